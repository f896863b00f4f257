"""The shared runtime library's dynamic symbols against the C API.

usage: check_exports.py LIBRARY HEADER [REFERENCE.md]

Every function the header declares with DLC_API must be exported, and the
library must export nothing else (the version node aside). Prints the
library's soname and the count; exits 1 listing what is missing or extra.
With REFERENCE.md, every declared function must also be documented there
(named with its signature: `... name(...)`).
"""
import re
import subprocess
import sys


def main():
    library, header = sys.argv[1], sys.argv[2]
    reference = open(sys.argv[3]).read() if len(sys.argv) > 3 else None
    declared = set(re.findall(r"DLC_API[^;(]*?\b(dlc_\w+)\(", open(header).read()))
    symbols = subprocess.run(["nm", "-D", "--defined-only", "--format=posix", library],
                             capture_output=True, text=True, check=True).stdout
    exported = set()
    for line in symbols.splitlines():
        name, kind = line.split()[:2]
        if kind == "A":  # the version node (DLC_RUNTIME_0)
            continue
        exported.add(name.split("@")[0])
    dynamic = subprocess.run(["objdump", "-p", library], capture_output=True, text=True,
                             check=True).stdout
    soname = re.search(r"SONAME\s+(\S+)", dynamic)
    print(f"soname: {soname.group(1) if soname else 'none'}")
    missing, extra = sorted(declared - exported), sorted(exported - declared)
    for name in missing:
        print(f"missing: {name} (declared in the header, not exported)")
    for name in extra:
        print(f"extra: {name} (exported, not in the header)")
    undocumented = []
    if reference is not None:
        undocumented = sorted(n for n in declared if not re.search(rf"\b{n}\(", reference))
        for name in undocumented:
            print(f"undocumented: {name} (not in {sys.argv[3]})")
    if missing or extra or undocumented or not declared:
        return 1
    print(f"{len(exported)} functions exported, exactly the header's")
    if reference is not None:
        print(f"all {len(declared)} documented in {sys.argv[3].split('/')[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
