// The power-loss recorder: an LD_PRELOAD library that watches the file calls
// a process makes under one directory and appends, to a journal, what a
// power cut would keep of them (tests/durability/README.md has the model).
// plsim.py replays the journal after a SIGKILL to cut the files back.
//
//   LOFT_PLSIM_ROOT     directory to watch (absolute, no trailing slash)
//   LOFT_PLSIM_JOURNAL  journal file (appended to); LOFT_PLSIM_JOURNAL.keep/
//                       holds a hard link to every watched file, by inode,
//                       so a renamed-over or unlinked file can be restored
//
// Journal lines, tab-separated, each one write() to an O_APPEND file so
// threads never interleave; seq orders them (plsim.py sorts by it):
//   C seq dir name ino           a file was created
//   R seq odir oname ndir nname ino   a rename completed
//   U seq dir name               an unlink completed
//   S seq ino size               fsync/fdatasync of a file returned 0; size
//                                was read before the call, so bytes appended
//                                during it are not claimed
//   D seq dir                    fsync of a directory returned 0; seq was
//                                taken before the call: only namespace
//                                changes with a smaller seq are covered
// The build sets _FILE_OFFSET_BITS=64, which renames open() to open64() in
// the headers; this file defines both symbols itself.
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace {

using OpenFn = int (*)(const char*, int, ...);
using OpenatFn = int (*)(int, const char*, int, ...);
using SyncFn = int (*)(int);
using WriteFn = ssize_t (*)(int, const void*, size_t);
using RenameFn = int (*)(const char*, const char*);
using RenameatFn = int (*)(int, const char*, int, const char*);
using Renameat2Fn = int (*)(int, const char*, int, const char*, unsigned);
using UnlinkFn = int (*)(const char*);
using UnlinkatFn = int (*)(int, const char*, int);

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

// Each real function is looked up once (thread-safe static initialisation).
#define REAL(type, name) ([] { static const type fn = real<type>(name); return fn; }())

struct Config {
  bool on = false;
  char root[PATH_MAX] = {};
  size_t root_len = 0;
  char keep[PATH_MAX] = {};
  int journal = -1;
};

Config g;
std::atomic<unsigned long long> g_seq{0};
std::mutex g_sync_mu;

__attribute__((constructor)) void plsim_init() {
  const char* root = getenv("LOFT_PLSIM_ROOT");
  const char* journal = getenv("LOFT_PLSIM_JOURNAL");
  if (!root || !journal || root[0] != '/' || strlen(root) >= PATH_MAX - 1 || strlen(journal) >= PATH_MAX - 8) return;
  snprintf(g.root, sizeof g.root, "%s", root);
  g.root_len = strlen(g.root);
  snprintf(g.keep, sizeof g.keep, "%s.keep", journal);
  g.journal = REAL(OpenFn, "open")(journal, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  g.on = g.journal >= 0;
}

unsigned long long next_seq() { return ++g_seq; }

void log_line(const char* fmt, ...) {
  char buf[3 * PATH_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return;
  ssize_t w = REAL(WriteFn, "write")(g.journal, buf, static_cast<size_t>(n));
  (void)w;  // nothing to do about a failed journal write but lose the record
}

// The absolute path of path relative to dirfd; false if it cannot be formed.
bool absolute(int dirfd, const char* path, char* out) {
  if (!path) return false;
  if (path[0] == '/') return snprintf(out, PATH_MAX, "%s", path) < PATH_MAX;
  char base[PATH_MAX];
  if (dirfd == AT_FDCWD) {
    if (!getcwd(base, sizeof base)) return false;
  } else {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(link, base, sizeof base - 1);
    if (n <= 0) return false;
    base[n] = 0;
  }
  return snprintf(out, PATH_MAX, "%s/%s", base, path) < PATH_MAX;
}

bool under_root(const char* abs) {
  return g.on && strncmp(abs, g.root, g.root_len) == 0 && (abs[g.root_len] == '/' || abs[g.root_len] == 0);
}

// Splits "/a/b/c" into "/a/b" and "c" (in place: the caller's copy).
const char* split(char* abs) {
  char* slash = strrchr(abs, '/');
  if (!slash) return "";
  *slash = 0;
  return slash + 1;
}

// Hard-links a watched file into the keep directory under its inode number.
// True if this is the first link (the file is new to the journal).
bool keep_link(const char* abs, unsigned long long ino) {
  char dst[PATH_MAX];
  if (snprintf(dst, sizeof dst, "%s/%llu", g.keep, ino) >= PATH_MAX) return false;
  return link(abs, dst) == 0;
}

void after_open(int fd, int dirfd, const char* path, int flags) {
  if (fd < 0 || !g.on || !(flags & O_CREAT)) return;
  char abs[PATH_MAX];
  if (!absolute(dirfd, path, abs) || !under_root(abs)) return;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  unsigned long long ino = st.st_ino;
  unsigned long long seq = next_seq();
  if (!keep_link(abs, ino)) return;  // existed already: known from adoption or an earlier create
  const char* name = split(abs);
  log_line("C\t%llu\t%s\t%s\t%llu\n", seq, abs, name, ino);
}

int do_sync(int fd, SyncFn sync) {
  // seq and size under one lock, so that replaying in seq order sees the
  // sizes of an append-only file in the order they were read.
  struct stat st;
  unsigned long long seq;
  bool watch;
  {
    std::lock_guard<std::mutex> lock(g_sync_mu);
    seq = next_seq();
    watch = g.on && fstat(fd, &st) == 0;
  }
  int r = sync(fd);
  if (r != 0 || !watch) return r;
  int saved = errno;
  if (S_ISREG(st.st_mode)) {
    log_line("S\t%llu\t%llu\t%lld\n", seq, static_cast<unsigned long long>(st.st_ino),
             static_cast<long long>(st.st_size));
  } else if (S_ISDIR(st.st_mode)) {
    char link[64], dir[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, dir, sizeof dir - 1);
    if (n > 0) {
      dir[n] = 0;
      if (under_root(dir)) log_line("D\t%llu\t%s\n", seq, dir);
    }
  }
  errno = saved;
  return r;
}

int do_rename(int olddirfd, const char* oldpath, int newdirfd, const char* newpath, int r) {
  if (r != 0 || !g.on) return r;
  int saved = errno;
  char from[PATH_MAX], to[PATH_MAX];
  struct stat st;
  if (absolute(olddirfd, oldpath, from) && absolute(newdirfd, newpath, to) && (under_root(from) || under_root(to)) &&
      lstat(to, &st) == 0 && S_ISREG(st.st_mode)) {
    unsigned long long seq = next_seq();
    unsigned long long ino = st.st_ino;
    keep_link(to, ino);  // a file that came from outside the root is new here
    const char* oname = split(from);
    const char* nname = split(to);
    log_line("R\t%llu\t%s\t%s\t%s\t%s\t%llu\n", seq, from, oname, to, nname, ino);
  }
  errno = saved;
  return r;
}

int do_unlink(int dirfd, const char* path, int r) {
  if (r != 0 || !g.on) return r;
  int saved = errno;
  char abs[PATH_MAX];
  if (absolute(dirfd, path, abs) && under_root(abs)) {
    unsigned long long seq = next_seq();
    const char* name = split(abs);
    log_line("U\t%llu\t%s\t%s\n", seq, abs, name);
  }
  errno = saved;
  return r;
}

mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? static_cast<mode_t>(va_arg(ap, int)) : 0;
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  int fd = REAL(OpenFn, "open")(path, flags, mode);
  int saved = errno;
  after_open(fd, AT_FDCWD, path, flags);
  errno = saved;
  return fd;
}

int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  int fd = REAL(OpenFn, "open64")(path, flags, mode);
  int saved = errno;
  after_open(fd, AT_FDCWD, path, flags);
  errno = saved;
  return fd;
}

int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  int fd = REAL(OpenatFn, "openat")(dirfd, path, flags, mode);
  int saved = errno;
  after_open(fd, dirfd, path, flags);
  errno = saved;
  return fd;
}

int openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  int fd = REAL(OpenatFn, "openat64")(dirfd, path, flags, mode);
  int saved = errno;
  after_open(fd, dirfd, path, flags);
  errno = saved;
  return fd;
}

int creat(const char* path, mode_t mode) { return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

int fsync(int fd) { return do_sync(fd, REAL(SyncFn, "fsync")); }
int fdatasync(int fd) { return do_sync(fd, REAL(SyncFn, "fdatasync")); }

int rename(const char* a, const char* b) {
  return do_rename(AT_FDCWD, a, AT_FDCWD, b, REAL(RenameFn, "rename")(a, b));
}
int renameat(int da, const char* a, int db, const char* b) {
  return do_rename(da, a, db, b, REAL(RenameatFn, "renameat")(da, a, db, b));
}
int renameat2(int da, const char* a, int db, const char* b, unsigned flags) {
  return do_rename(da, a, db, b, REAL(Renameat2Fn, "renameat2")(da, a, db, b, flags));
}

int unlink(const char* path) { return do_unlink(AT_FDCWD, path, REAL(UnlinkFn, "unlink")(path)); }
int unlinkat(int dirfd, const char* path, int flags) {
  return do_unlink(dirfd, path, REAL(UnlinkatFn, "unlinkat")(dirfd, path, flags));
}

}  // extern "C"
