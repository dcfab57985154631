"""Power-loss simulation, the recovery half (README.md here has the model).

adopt(root, journal) starts a segment: every regular file under root counts
as durable (fully synced, its name made durable), gets a hard link in
JOURNAL.keep/ and a line in a fresh journal. Then run the process with
env(root, journal) (LD_PRELOAD of libloft_plsim.so), SIGKILL it, and call
recover(root, journal): every file under root is removed and the durable
namespace is rebuilt from the kept inodes, each cut to its last synced size.
"""

import os
import shutil

SHIM_ENV = 'LOFT_PLSIM'  # path of libloft_plsim.so, set by meson


def env(root, journal, shim=None):
    """The environment additions that put a process under the recorder."""
    shim = shim or os.environ[SHIM_ENV]
    return {'LD_PRELOAD': shim, 'LOFT_PLSIM_ROOT': os.path.abspath(root),
            'LOFT_PLSIM_JOURNAL': os.path.abspath(journal)}


def _files(root):
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield dirpath, name, path


def adopt(root, journal):
    """Begins a segment: everything now under root is durable."""
    root, journal = os.path.abspath(root), os.path.abspath(journal)
    keep = journal + '.keep'
    shutil.rmtree(keep, ignore_errors=True)
    os.makedirs(keep)
    lines = []
    for dirpath, name, path in _files(root):
        st = os.stat(path)
        kept = os.path.join(keep, str(st.st_ino))
        if not os.path.exists(kept):
            os.link(path, kept)
        lines.append('N\t0\t%s\t%s\t%d\n' % (dirpath, name, st.st_ino))
        lines.append('S\t0\t%d\t%d\n' % (st.st_ino, st.st_size))
    with open(journal, 'w') as f:
        f.writelines(lines)
    # Directories count as durable too: adoption is the state after a recovery.
    with open(journal, 'a') as f:
        for dirpath, _dirs, _names in os.walk(root):
            f.write('D\t0\t%s\n' % dirpath)


def _events(journal):
    events = []
    with open(journal) as f:
        for order, line in enumerate(f):
            if not line.endswith('\n'):
                break  # a line cut by the kill: the call it records did not return
            parts = line.rstrip('\n').split('\t')
            events.append((int(parts[1]), order, parts[0], parts[2:]))
    # Seq first; adoption lines (seq 0) keep their file order.
    events.sort(key=lambda e: (e[0], e[1]))
    return events


def durable_state(journal):
    """Replays the journal: ({dir: {name: ino}} durable, {ino: synced size})."""
    current, durable, synced = {}, {}, {}
    for _seq, _order, kind, args in _events(journal):
        if kind == 'N':
            d, name, ino = args[0], args[1], int(args[2])
            current.setdefault(d, {})[name] = ino
            durable.setdefault(d, {})[name] = ino
        elif kind == 'C':
            current.setdefault(args[0], {})[args[1]] = int(args[2])
        elif kind == 'R':
            od, on, nd, nn, ino = args[0], args[1], args[2], args[3], int(args[4])
            current.setdefault(od, {}).pop(on, None)
            current.setdefault(nd, {})[nn] = ino
        elif kind == 'U':
            current.setdefault(args[0], {}).pop(args[1], None)
        elif kind == 'D':
            durable[args[0]] = dict(current.get(args[0], {}))
        elif kind == 'S':
            synced[int(args[0])] = int(args[1])
    return durable, synced


def recover(root, journal):
    """Cuts root back to what the journal says survives a power cut.

    Returns a report: files restored, cut (bytes dropped), removed as never
    synced, and problems the model cannot undo."""
    root, journal = os.path.abspath(root), os.path.abspath(journal)
    keep = journal + '.keep'
    durable, synced = durable_state(journal)
    report = {'restored': 0, 'cut_bytes': 0, 'cut_files': 0, 'never_synced': 0, 'problems': []}
    for _dirpath, _name, path in list(_files(root)):
        os.unlink(path)
    for d, names in sorted(durable.items()):
        for name, ino in sorted(names.items()):
            kept = os.path.join(keep, str(ino))
            if ino not in synced:
                report['never_synced'] += 1
                continue
            if not os.path.exists(kept):
                report['problems'].append('%s/%s: inode %d was not kept' % (d, name, ino))
                continue
            os.makedirs(d, exist_ok=True)
            path = os.path.join(d, name)
            os.link(kept, path)
            size = os.path.getsize(path)
            if size > synced[ino]:
                report['cut_files'] += 1
                report['cut_bytes'] += size - synced[ino]
                os.truncate(path, synced[ino])
            elif size < synced[ino]:
                report['problems'].append('%s: shrank below its synced size %d' % (path, synced[ino]))
            report['restored'] += 1
    shutil.rmtree(keep, ignore_errors=True)
    os.unlink(journal)
    return report
