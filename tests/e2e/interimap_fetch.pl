#!/usr/bin/perl
# A real IMAP client with COMPRESS=DEFLATE: Net::IMAP::InterIMAP (Debian
# package libinterimap, used by interimap) logs in, enables compression when
# offered, selects INBOX and fetches every message. Prints "UID SHA-256" per
# message; the library's trace and traffic counts go to stderr.
#   perl interimap_fetch.pl HOST PORT USER PASSWORD
use strict;
use warnings;
use Digest::SHA qw(sha256_hex);
use Net::IMAP::InterIMAP;

my ($host, $port, $user, $pass) = @ARGV;
my $imap = Net::IMAP::InterIMAP->new(type => 'imap', host => $host, port => $port, username => $user,
  password => $pass, STARTTLS => 0, compress => 1, auth => 'PLAIN LOGIN', debug => 1,
  'logger-fd' => \*STDERR);
$imap->select('INBOX');
$imap->fetch('1:*', '(UID BODY.PEEK[])', sub($) {
  my $m = shift;
  print "$m->{UID} ", sha256_hex(${$m->{RFC822}}), "\n";
});
$imap->logout();
