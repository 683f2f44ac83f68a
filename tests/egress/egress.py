#!/usr/bin/env python3
"""Reads an strace log of the server and says where it tried to send data.

Part of the "no data leaves" test (trust-model rule 7); run.sh drives it.

  egress.py probe PROBE_FILE
      The canary. Tries to reach four documentation addresses (RFC 5737,
      RFC 3849) in the ways a process can name a destination: TCP connect
      over IPv4 and IPv6, UDP sendto, UDP sendmsg. run.sh runs it under the
      very strace invocation that then execs the server, so the trace must
      show these attempts: if it does not, the tracer or this parser is
      blind and the test fails instead of passing with nothing seen. Writes
      its pid to PROBE_FILE, then any attempt it could not make at all (a
      kernel without IPv6), which the check then does not expect.

  egress.py check TRACE --probe-file F --server-pid N [--allow HOST:PORT]...
                  [--require HOST:PORT]... [--min-accepts N]
      Lists every destination the traced processes named in connect, sendto,
      sendmsg and sendmmsg, and fails when
        - a process other than the probe named an IPv4/IPv6 destination
          outside loopback (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) that is
          not an --allow'ed HOST:PORT;
        - anything (loopback included) was sent to port 53: a name lookup
          carries a name out through whatever resolver listens there; with
          --no-name-lookups, the same for local resolver sockets (nscd,
          systemd-resolved), which resolve outside the namespace;
        - an address family other than AF_UNIX, AF_NETLINK, AF_INET,
          AF_INET6 was named, or a destination could not be parsed;
        - the server set up io_uring (its submissions bypass syscall tracing);
        - the probe's attempts are not all in the trace;
        - a --require'd HOST:PORT was never contacted (proves the OIDC
          sign-in really went to the provider);
        - the server accepted fewer than --min-accepts connections, or the
          trace does not end with the server's exit (proves the tracer
          followed the server, all its threads, for the whole scenario).
      Prints every attempt it saw.

Standard library only.
"""
import argparse
import ipaddress
import os
import re
import socket
import sys

PROBES = [
    ("connect", "AF_INET", "192.0.2.1", 80),
    ("connect", "AF_INET6", "2001:db8::1", 80),
    ("sendto", "AF_INET", "198.51.100.1", 9),
    ("sendmsg", "AF_INET", "203.0.113.1", 9),
]


def probe(pidfile):
    """Writes its pid, then one line per attempt it could not even make."""
    unable = []
    for call, fam, host, port in PROBES:
        family = socket.AF_INET6 if fam == "AF_INET6" else socket.AF_INET
        kind = socket.SOCK_STREAM if call == "connect" else socket.SOCK_DGRAM
        try:
            s = socket.socket(family, kind)
        except OSError as e:  # e.g. a kernel without IPv6: nothing to trace
            unable.append(f"{call} {fam} {host} {port} {e}")
            continue
        s.settimeout(1)
        try:
            if call == "connect":
                s.connect((host, port))
            elif call == "sendto":
                s.sendto(b"probe", (host, port))
            else:
                s.sendmsg([b"probe"], [], 0, (host, port))
        except OSError:
            pass  # expected: no route out of the namespace
        finally:
            s.close()
    with open(pidfile, "w") as f:
        f.write("\n".join([str(os.getpid())] + unable) + "\n")


# strace -f output: "PID syscall(args) = ret", or split into "PID syscall(args <unfinished ...>"
# and "PID <... syscall resumed>...". Destinations are always printed in the first part.
LINE = re.compile(r"^(\d+)\s+(?:<\.\.\. )?([a-z_0-9]+)(?:\(| resumed>)(.*)$")
RESUMED = re.compile(r"^\d+\s+<\.\.\. ")
RESULT = re.compile(r"\)\s+=\s+(-?\d+)(?: \w+ \(.*\))?$")
EXIT = re.compile(r"^(\d+)\s+\+\+\+ (exited with \d+|killed by \w+)")
INET = re.compile(r'sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([0-9.]+)"\)')
INET6 = re.compile(r'sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?inet_pton\(AF_INET6, "([0-9a-fA-F:.]+)"')
UNIX = re.compile(r'sa_family=AF_UNIX(?:, sun_path=(@?"(?:[^"\\]|\\.)*"))?')
FAMILY = re.compile(r"sa_family=(\w+)")
# Resolver daemons a process reaches by path (they may look the name up outside the namespace).
NAME_SERVICE = re.compile(r"nscd|systemd/resolve|resolved|unbound|dnsmasq")
TRUNCATED = re.compile(r"\.\.\.\]")  # strace elides long arrays: "[{...}, ...]"
SENDS = {"connect", "sendto", "sendmsg", "sendmmsg"}
ACCEPTS = {"accept", "accept4"}


def is_loopback(host):
    ip = ipaddress.ip_address(host)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def fmt(host, port):
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def destinations(args):
    """Every sockaddr in a syscall's arguments, as (family, host, port) or (family, path, None)."""
    out = []
    for m in FAMILY.finditer(args):
        tail = args[m.start():]
        fam = m.group(1)
        if fam == "AF_INET" and (x := INET.match(tail)):
            out.append((fam, x.group(2), int(x.group(1))))
        elif fam == "AF_INET6" and (x := INET6.match(tail)):
            out.append((fam, x.group(2), int(x.group(1))))
        elif fam == "AF_UNIX" and (x := UNIX.match(tail)):
            out.append((fam, x.group(1) or "(unnamed)", None))
        else:
            out.append((fam, None, None))
    return out


def check(a):
    with open(a.probe_file) as f:
        lines = f.read().splitlines()
    a.probe_pid = int(lines[0])
    unable = {tuple(x.split(" ", 4)[:4]) for x in lines[1:]}
    expected = [p for p in PROBES if (p[0], p[1], p[2], str(p[3])) not in unable]
    for x in lines[1:]:
        print(f"egress: the canary could not attempt {x}")
    allow = {x.lower() for x in a.allow}
    require = {x.lower() for x in a.require}
    seen_probe, attempts, problems, contacted = set(), [], [], set()
    accepts, server_exit, uring = 0, None, []
    with open(a.trace, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if (m := EXIT.match(line)) and int(m.group(1)) == a.server_pid:
                server_exit = m.group(2)
                continue
            m = LINE.match(line)
            if not m:
                continue
            pid, call, args = int(m.group(1)), m.group(2), m.group(3)
            if call in ACCEPTS:
                # Count connections accepted (the result may come on a "resumed" line).
                if (r := RESULT.search(line)) and int(r.group(1)) >= 0:
                    accepts += 1
                continue
            if RESUMED.match(line):
                continue  # the arguments were printed with the <unfinished ...> half
            if call == "io_uring_setup":
                uring.append(line)
                continue
            if call not in SENDS:
                continue
            if call == "sendmmsg" and TRUNCATED.search(args):
                problems.append(f"sendmmsg by pid {pid} with more messages than the trace shows: {line[:300]}")
            for fam, host, port in destinations(args):
                canary = pid == a.probe_pid and (call, fam, host, port) in PROBES
                who = "probe " if canary else ""
                if host is None and fam in ("AF_INET", "AF_INET6", "AF_UNIX"):
                    where, verdict = fam, "VIOLATION: destination not understood"
                elif fam in ("AF_INET", "AF_INET6"):
                    where = fmt(host, port)
                    if canary:
                        seen_probe.add((call, fam, host, port))
                        verdict = "canary (must be seen)"
                    elif port == 53:
                        verdict = "VIOLATION: DNS query"
                    elif where.lower() in allow:
                        verdict = "allowed (configured)"
                        contacted.add(where.lower())
                    elif is_loopback(host):
                        verdict = "allowed (loopback)"
                    else:
                        verdict = "VIOLATION: leaves the host"
                elif fam == "AF_UNIX" and a.no_name_lookups and NAME_SERVICE.search(host):
                    where, verdict = f"unix:{host}", "VIOLATION: name lookup through a local resolver"
                elif fam == "AF_UNIX":
                    where, verdict = f"unix:{host}", "allowed (local socket)"
                elif fam == "AF_NETLINK":
                    where, verdict = "netlink", "allowed (kernel)"
                elif fam == "AF_UNSPEC" and call == "connect":
                    where, verdict = "AF_UNSPEC", "allowed (dissolves a UDP association)"
                else:
                    where, verdict = fam, "VIOLATION: unexpected address family"
                attempts.append(f"  pid {pid} {who}{call} -> {where}: {verdict}")
                if verdict.startswith("VIOLATION"):
                    problems.append(f"{call} to {where} by pid {pid}: {verdict[11:]}\n      {line[:300]}")
    print(f"egress: {len(attempts)} destination(s) named in connect/sendto/sendmsg/sendmmsg:")
    print("\n".join(attempts) if attempts else "  (none)")
    missing = [p for p in expected if p not in seen_probe]
    if len(expected) < 2:
        problems.append("self-check: the canary could make fewer than two attempts; it proves nothing")
    if missing:
        problems.append(
            "self-check: the tracer did not report the canary's attempts "
            + ", ".join(f"{c} {fmt(h, p)}" for c, _, h, p in missing)
            + " (the trace would be blind; nothing proves the server made no attempt)"
        )
    for r in sorted(require - contacted):
        problems.append(f"the configured destination {r} was never contacted (scenario did not reach it)")
    if uring:
        problems.append("the server set up io_uring, whose submissions bypass this trace: " + uring[0][:200])
    if accepts < a.min_accepts:
        problems.append(
            f"the trace shows {accepts} accepted connection(s), the scenario made {a.min_accepts}: "
            "strace did not follow the server throughout"
        )
    if server_exit is None:
        problems.append(f"the trace does not end with the exit of the server (pid {a.server_pid}): it is incomplete")
    print(
        f"egress: self-check {'ok' if not missing else 'FAILED'} ({len(seen_probe)}/{len(expected)} canary attempts seen); "
        f"server accepted {accepts} connection(s); server {server_exit or 'exit not traced'}"
    )
    if problems:
        print("egress: FAIL")
        for p in problems:
            print("  - " + p)
        return 1
    allowed = f", only to {', '.join(sorted(allow))}" if allow else ""
    print(f"egress: ok, no attempt to leave the host{allowed}")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("probe")
    pr.add_argument("pidfile")
    ck = sub.add_parser("check")
    ck.add_argument("trace")
    ck.add_argument("--probe-file", required=True, help="what `probe` wrote")
    ck.add_argument("--server-pid", type=int, required=True)
    ck.add_argument("--allow", action="append", default=[], metavar="HOST:PORT")
    ck.add_argument("--require", action="append", default=[], metavar="HOST:PORT")
    ck.add_argument("--min-accepts", type=int, default=1)
    ck.add_argument("--no-name-lookups", action="store_true",
                    help="also fail on connects to local resolver sockets (nscd, systemd-resolved)")
    a = p.parse_args()
    if a.cmd == "probe":
        probe(a.pidfile)
        return 0
    return check(a)


if __name__ == "__main__":
    sys.exit(main())
