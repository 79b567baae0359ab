#!/usr/bin/env python3
"""Holds N connections to 127.0.0.1:PORT that each ask for PATH and never read
the reply, until SIGTERM (make bench-api's "slow readers" row).
Usage: slow_readers.py PORT N PATH"""
import signal
import socket
import sys


def main():
    port, n, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    held = []
    for _ in range(n):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(request)
        except OSError:
            s.close()
            continue
        held.append(s)
    print(len(held), flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])


if __name__ == "__main__":
    main()
