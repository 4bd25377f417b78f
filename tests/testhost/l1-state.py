#!/usr/bin/env python3
"""Where is the test host's CPU? Asked through qemu's QMP socket when run.sh
finds L1 frozen: a few samples of `info registers`, each RIP named from the
L1 kernel's System.map (L1 boots with nokaslr). A RIP outside L1's kernel
text is L2's (the nested guest runs).

usage: l1-state.py QMP_SOCKET SYSTEM_MAP [SAMPLES]
"""
import bisect
import json
import re
import socket
import sys
import time


def qmp(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(path)
    f = s.makefile("rw")
    f.readline()

    def cmd(name, **args):
        f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                return r

    cmd("qmp_capabilities")
    return cmd


def load_map(path):
    addrs, names = [], []
    try:
        with open(path) as m:
            for line in m:
                a, t, n = line.split()[:3]
                if t in "tTwW":
                    addrs.append(int(a, 16))
                    names.append(n)
    except OSError:
        pass
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def name_of(rip, addrs, names):
    i = bisect.bisect_right(addrs, rip) - 1
    if i < 0 or rip - addrs[i] > 0x100000:
        return "not L1's kernel text (L2 or user space)"
    return "%s+0x%x" % (names[i], rip - addrs[i])


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    samples = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    addrs, names = load_map(sys.argv[2])
    try:
        cmd = qmp(sys.argv[1])
        for _ in range(samples):
            regs = cmd("human-monitor-command", **{"command-line": "info registers"}).get("return", "")
            rip = re.search(r"RIP=([0-9a-f]+)", regs)
            fl = re.search(r"RFL=([0-9a-f]+)", regs)
            cpl = re.search(r"CPL=(\d)", regs)
            hlt = re.search(r"HLT=(\d)", regs)
            if not rip:
                print("testhost:   no registers from qemu")
                break
            r = int(rip.group(1), 16)
            flags = int(fl.group(1), 16) if fl else 0
            print("testhost:   RIP=%016x %s IF=%d CPL=%s HLT=%s" % (
                r, name_of(r, addrs, names), (flags >> 9) & 1,
                cpl.group(1) if cpl else "?", hlt.group(1) if hlt else "?"))
            time.sleep(0.5)
        # the local APIC: a timer that is not armed, or an interrupt stuck in
        # service (ISR) that blocks the timer's vector, shows here
        lapic = cmd("human-monitor-command", **{"command-line": "info lapic"}).get("return", "")
        for line in lapic.splitlines():
            if line.strip():
                print("testhost:   lapic: " + line.rstrip())
    except (OSError, ValueError) as e:
        print("testhost:   qemu's QMP socket did not answer: %s" % e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
