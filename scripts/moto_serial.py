"""moto's server (DynamoDB, S3, Secrets Manager) answering one request at a time.

DynamoDB applies each conditional write and each transaction atomically. moto's own
`moto_server` handles requests on parallel threads without isolation, so under load two
concurrent `attribute_not_exists` writes can both succeed there (measured: the contract case
`concurrent_conditional_creates_have_exactly_one_winner` saw two winners on a busy machine).
Serialising requests restores the guarantee the store contract relies on; connections are still
accepted concurrently.

    python3 scripts/moto_serial.py HOST PORT
"""

import os
import sys
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def serial(app):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            # The body is produced inside the lock: moto computes it lazily for some services.
            return [b"".join(app(environ, start_response))]

    return handle


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    run_simple(host, port, serial(DomainDispatcherApplication(create_backend_app)), threaded=True)


if __name__ == "__main__":
    main()
