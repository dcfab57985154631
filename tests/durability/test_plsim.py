"""The power-loss simulator on a scripted writer: a child process under the
shim makes each case of the model (README.md), is SIGKILLed, and recover()
must leave exactly what the model keeps.

Run: LOFT_PLSIM=build/tests/durability/libloft_plsim.so python3 tests/durability/test_plsim.py
"""

import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plsim  # noqa: E402

# The child: every file call goes through libc, so through the shim.
CHILD = r'''
import os, signal, sys, threading
root = sys.argv[1]
def w(name, data, flags=os.O_CREAT | os.O_WRONLY | os.O_APPEND):
    fd = os.open(os.path.join(root, name), flags, 0o644)
    os.write(fd, data)
    return fd
dfd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)

# synced: 100 bytes synced, 50 more not; its name made durable by the dir fsync.
fd = w('synced', b'a' * 100); os.fsync(fd); os.write(fd, b'b' * 50)
# old: adopted (exists before), gets 7 unsynced bytes appended.
fd2 = os.open(os.path.join(root, 'old'), os.O_WRONLY | os.O_APPEND); os.write(fd2, b'1234567')
# CURRENT replaced durably: tmp written, fdatasync, rename, dir fsync.
t = w('tmp1', b'new-current'); os.fdatasync(t); os.rename(os.path.join(root, 'tmp1'), os.path.join(root, 'CURRENT'))
# an unsynced file whose name becomes durable with the dir fsync below
u = w('unsynced', b'lost')
# threads appending and syncing one file concurrently
shared = w('shared', b'')
def worker(i):
    for _ in range(200):
        os.write(shared, b'%d' % i)
        os.fdatasync(shared)
ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for th in ts: th.start()
for th in ts: th.join()
os.fsync(dfd)
# Now the non-durable cases, after the last directory fsync:
os.write(shared, b'tail-not-synced')
# a new file synced itself, but its name never made durable
n = w('nodirsync', b'x' * 10); os.fsync(n)
# a rename over MANIFEST, then a rename of MANIFEST, no dir fsync: both undone
t = w('tmp2', b'manifest-2'); os.fsync(t); os.rename(os.path.join(root, 'tmp2'), os.path.join(root, 'MANIFEST'))
os.rename(os.path.join(root, 'MANIFEST'), os.path.join(root, 'MANIFEST-renamed'))
os.kill(os.getpid(), signal.SIGKILL)
'''


def main():
    failures = []

    def check(what, ok):
        print(('ok   ' if ok else 'FAIL ') + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory(prefix='loft-plsim-') as tmp:
        root = os.path.join(tmp, 'root')
        os.makedirs(root)
        for name, data in (('old', b'old-data'), ('CURRENT', b'old-current'), ('MANIFEST', b'manifest-1')):
            with open(os.path.join(root, name), 'wb') as f:
                f.write(data)
        journal = os.path.join(tmp, 'journal')
        plsim.adopt(root, journal)
        proc = subprocess.run([sys.executable, '-c', CHILD, root], env={**os.environ, **plsim.env(root, journal)},
                              timeout=60)
        check('the child was killed (%d)' % proc.returncode, proc.returncode == -signal.SIGKILL)
        report = plsim.recover(root, journal)
        print(report)

        def read(name):
            try:
                with open(os.path.join(root, name), 'rb') as f:
                    return f.read()
            except FileNotFoundError:
                return None

        check('synced file cut to its synced 100 bytes', read('synced') == b'a' * 100)
        check('adopted file loses its unsynced append', read('old') == b'old-data')
        check('durable rename of CURRENT kept', read('CURRENT') == b'new-current')
        check('tmp1 gone (renamed durably)', read('tmp1') is None)
        check('file synced but its name never durable: removed', read('nodirsync') is None)
        check('rename without dir fsync undone: MANIFEST is the old one', read('MANIFEST') == b'manifest-1')
        check('tmp2 (its name never durable) is gone', read('tmp2') is None)
        check('renamed name not durable', read('MANIFEST-renamed') is None)
        check('durable name, never synced: removed', read('unsynced') is None)
        shared = read('shared')
        check('threads: every synced append kept (800 digits), the tail cut',
              shared is not None and len(shared) == 800 and shared.isdigit())
        check('no problems reported', report['problems'] == [])
        check('the journal and keep dir are gone', not os.path.exists(journal) and not os.path.exists(journal + '.keep'))
    if failures:
        print('%d passed, %d failed' % (12 - len(failures), len(failures)))
        sys.exit(1)
    print('12 passed, 0 failed')


if __name__ == '__main__':
    main()
