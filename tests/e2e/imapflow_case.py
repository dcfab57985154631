"""The set-up both imapflow tests share: Node.js and the imapflow module must be
present (tools/dev.sh test installs them; under CI their absence fails the test,
elsewhere it skips), and a fresh server (loftlib.make_server) with one account.

IMAPFLOW_NODE_MODULES overrides where the node modules are looked up.
"""

import os
import shutil
import unittest

import loftlib

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.environ.get('IMAPFLOW_NODE_MODULES') or os.path.join(HERE, 'node', 'node_modules')


class ImapflowCase(unittest.TestCase):
    """A test case with self.server started and account USER / PASSWORD in it."""

    USER, PASSWORD = 'flo', 'flo-secret'

    def setUp(self):
        problem = None
        if shutil.which('node') is None:
            problem = 'node missing (nodejs; tools/dev.sh test installs it)'
        elif not os.path.isdir(os.path.join(NODE_MODULES, 'imapflow')):
            problem = 'imapflow missing in %s (tools/dev.sh test runs npm ci)' % NODE_MODULES
        if problem:
            if os.environ.get('CI'):
                self.fail(problem)
            self.skipTest(problem)
        self.server = loftlib.make_server()
        self.server.start()
        self.server.add_user(self.USER, self.PASSWORD)

    def tearDown(self):
        if hasattr(self, 'server'):
            self.server.stop()
            self.server.cleanup()
