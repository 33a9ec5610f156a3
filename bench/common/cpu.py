#!/usr/bin/env python3
"""Runs a load generator and reports the CPU each side of the benchmark used meanwhile, in cores.

Usage: cpu.py OUT SERVICE_PID[,PID...] POSTMASTER_PID -- COMMAND...
Writes one line to OUT: service postgres client others busy seconds, where service is the service JVM, postgres the server
(the postmaster, its live children and the children it reaped), client the command itself (wrk or pgbench), others
the rest of the machine and busy all of it; each in cores over the command's run, then the seconds it ran. With several
JVMs (a service and the launcher's gateway), service is their sum, and each JVM's own follows in the order given.
"""
import os
import resource
import subprocess
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def ticks(pid, children=False):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    t = int(fields[11]) + int(fields[12])
    return t + int(fields[13]) + int(fields[14]) if children else t


def postgres(postmaster):
    total = ticks(postmaster, children=True)
    try:
        with open(f"/proc/{postmaster}/task/{postmaster}/children") as f:
            total += sum(ticks(int(p)) for p in f.read().split())
    except OSError:
        pass
    return total


def busy():
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    return sum(cpu) - cpu[3] - cpu[4]  # all but idle and iowait


def main():
    out, services, postmaster = sys.argv[1], [int(p) for p in sys.argv[2].split(",")], int(sys.argv[3])
    service = lambda: sum(ticks(p) for p in services)  # the service's JVM, or several (a service and the gateway)
    command = sys.argv[sys.argv.index("--") + 1:]
    each_before = [ticks(p) for p in services]
    before = (service(), postgres(postmaster), busy(), time.monotonic())
    child_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    code = subprocess.call(command)
    child_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = (service(), postgres(postmaster), busy(), time.monotonic())
    each = [(ticks(p) - b) / HZ for p, b in zip(services, each_before)] if len(services) > 1 else []
    secs = after[3] - before[3]
    svc = (after[0] - before[0]) / HZ
    pg = (after[1] - before[1]) / HZ
    client = (child_after.ru_utime + child_after.ru_stime) - (child_before.ru_utime + child_before.ru_stime)
    machine = (after[2] - before[2]) / HZ
    others = max(0.0, machine - svc - pg - client)
    with open(out, "w") as f:
        print(f"{svc / secs:.3f} {pg / secs:.3f} {client / secs:.3f} {others / secs:.3f} {machine / secs:.3f} {secs:.2f}",
              *(f"{jvm / secs:.3f}" for jvm in each), file=f)
    sys.exit(code)


if __name__ == "__main__":
    main()
