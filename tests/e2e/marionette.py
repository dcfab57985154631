"""A minimal Marionette client (Mozilla's remote protocol; the same one
geckodriver speaks), enough to run privileged JavaScript in a headless
Thunderbird: each message is `<length>:<json>`; a command is
[0, id, name, params] and its answer [1, id, error, result].

    m = Marionette(port)          # after the application listens
    m.command('WebDriver:NewSession', {})
    m.command('Marionette:SetContext', {'value': 'chrome'})
    m.script('return 1 + 1')      # -> 2; a returned Promise is awaited
"""

import json
import socket
import time


class MarionetteError(Exception):
    pass


class Marionette:
    def __init__(self, port, host='127.0.0.1', timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)
        self.sock.settimeout(timeout)
        self.buf = b''
        self.next_id = 1
        self.hello = self._read()  # {"applicationType": "gecko", "marionetteProtocol": 3}

    def _read(self):
        while True:
            size, sep, rest = self.buf.partition(b':')
            if sep and len(rest) >= int(size):
                n = int(size)
                self.buf = rest[n:]
                return json.loads(rest[:n])
            self._fill()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise MarionetteError('connection closed by the application')
        self.buf += data

    def command(self, name, params=None):
        msg_id = self.next_id
        self.next_id += 1
        body = json.dumps([0, msg_id, name, params or {}]).encode()
        self.sock.sendall(b'%d:%s' % (len(body), body))
        while True:
            kind, got_id, error, result = self._read()
            if kind == 1 and got_id == msg_id:
                if error:
                    raise MarionetteError('%s: %s' % (name, error))
                return result

    def script(self, body, args=(), timeout_ms=60000):
        """Runs body as a function in the current context; returns its value."""
        r = self.command('WebDriver:ExecuteScript', {
            'script': body, 'args': list(args), 'scriptTimeout': timeout_ms})
        return r.get('value') if isinstance(r, dict) else r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
