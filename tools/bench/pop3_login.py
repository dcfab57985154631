"""POP3 login + STAT time on an N-message maildrop (plaintext POP3 on loopback):
    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tools/bench/pop3_login.py 100000"""
import os, sys, time, socket, threading
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'e2e'))
import loftlib
N = int(sys.argv[1])
srv = loftlib.LoftServer(extra_listeners=[('pop3', '127.0.0.1:0', 'none', True)],
                         limits=['max_connections_per_address = 10000'])
srv.start()
try:
    srv.add_user('big', 'big-secret')
    msg = b'Subject: m\r\n\r\nbody\r\n.\r\n'
    def worker(count):
        c = loftlib.LMTPClient(srv.lmtp)
        batch = 200
        for start in range(0, count, batch):
            n = min(batch, count - start)
            c.send((b'MAIL FROM:<s@x>\r\nRCPT TO:<big>\r\nDATA\r\n' + msg) * n)
            for _ in range(n * 4):
                c.reply()
        c.quit()
    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, args=(N // 4,)) for _ in range(4)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print('delivered %d in %.1fs' % (N // 4 * 4, time.monotonic() - t0))
    host, port = loftlib.split_hostport(srv.listener('pop3', 'none'))
    for attempt in range(3):
        s = socket.create_connection((host, port)); f = s.makefile('rb')
        f.readline()
        s.sendall(b'USER big\r\n'); f.readline()
        t0 = time.monotonic(); s.sendall(b'PASS big-secret\r\n'); r = f.readline(); t1 = time.monotonic()
        s.sendall(b'STAT\r\n'); st = f.readline(); t2 = time.monotonic()
        s.sendall(b'QUIT\r\n'); f.readline(); s.close()
        print('PASS->+OK %.1f ms (argon2id included), STAT %.2f ms: %s %s' % ((t1-t0)*1000, (t2-t1)*1000, r.strip()[:60], st.strip()))
        time.sleep(0.3)
finally:
    srv.stop(); srv.cleanup()
