#!/usr/bin/env python3
"""The shape of the code base, checked: layers, module cycles, file and function sizes,
one copy of each shared helper (docs/ARCHITECTURE.md, "Layers").

    tools/check_structure.py [--root DIR] [--allow FILE] [--print]

Every violation found must be listed in the allow file (tools/structure.allow), and every
line of the allow file must still be a violation: the list only shrinks. --print writes the
violations found, in the allow file's format, and exits 0.

Violation lines:
    arrow FROM -> TO          a file of module FROM includes a header of module TO
    cycle A B ...             the module graph has a cycle through these modules
    size PATH LINES           a file of proxy/ or common/ over its line budget
    function PATH:NAME LINES  a function body over kMaxFunctionLines
    helper NAME PATH          a second copy of a shared helper (hex table, kNoThrow, ...)
    suite PATH:NAME           a test suite whose name does not start with its file's subject
                              (tests/.../foo_bar_test.cpp: FooBar...), or that lives in two files
"""
import argparse
import os
import re
import sys

# Which modules each module may include (ARCHITECTURE.md §3.1). `common` is the ground floor.
ALLOWED = {
    "common": set(),
    "config": {"common"},
    "log": {"common"},
    "metrics": {"config", "common"},
    "http": {"config", "metrics", "log", "common"},
    "cache": {"config", "common"},
    "redis": {"config", "common"},
    "store": {"cache", "redis", "config", "metrics", "common"},
    "upstream": {"http", "config", "common"},
    "pipeline": {"upstream", "store", "cache", "http", "metrics", "config", "log", "common"},
    "admin": {"store", "cache", "http", "metrics", "config", "log", "common"},
    "feeds": {"store", "cache", "http", "metrics", "config", "log", "common", "redis"},
    "app": {"pipeline", "admin", "feeds", "upstream", "store", "http", "cache", "redis", "metrics", "log",
            "config", "common"},
    "main": {"app", "config", "log", "common"},
    "upstream_stub": {"common"},
}

kMaxFileLines = 400
# Files with a larger budget in this step (ARCHITECTURE.md §3.2).
kFileBudget = {"proxy/redis/redis_client.cpp": 450}
kMaxFunctionLines = 80
SOURCE_DIRS = ("common", "proxy", "upstream_stub")
SIZE_DIRS = ("common", "proxy")

# Shared helpers that must exist once: (name, regex, the one file allowed to hold it).
HELPERS = [
    ("hex-table", re.compile(r'"0123456789abcdef"', re.I), "common/hex.hpp"),
    ("no-throw-token", re.compile(r"as_tuple\(\s*(net|boost::asio)::use_awaitable\s*\)"), "common/net.hpp"),
    ("ows-trim", re.compile(r"==\s*' '\s*\|\|\s*\w+(\.\w+\(\)|\[\w+\])?\s*==\s*'\\t'"), "common/text.hpp"),
    ("now-ms", re.compile(r"\bnow_ms\s*\(\s*\)\s*\{"), None),
    ("hand-json-error", re.compile(r'\\"error\\":\\"'), None),
]


def module_of(path):
    parts = path.split("/")
    if parts[0] == "common":
        return "common"
    if parts[0] == "upstream_stub":
        return "upstream_stub"
    if parts[0] == "proxy":
        if len(parts) == 2:
            return "main" if parts[1] == "main.cpp" else "proxy"
        return parts[1]
    return None


def source_files(root):
    out = []
    for top in SOURCE_DIRS:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if name.endswith((".cpp", ".hpp")):
                    out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(out)


INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def strip_code(text):
    """The text with comments, string and char literals blanked (lengths and newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i)
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:j]))
            i = j
        elif c in "\"'":
            # a digit separator (1'000) is not a char literal
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * max(0, j - i - 2) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


SCOPE_WORDS = re.compile(r"\b(namespace|class|struct|union|enum)\b")
CONTROL = re.compile(r"\b(if|for|while|switch|catch|do|else|try)\s*$")
FUNC_HEAD = re.compile(r"([~\w:<>]+)\s*\([^;]*\)\s*[\w\s:&*<>,()\[\]{}=\"\-.]*$", re.S)


def functions(text):
    """(name, first line, line count) of every function body at namespace or class scope."""
    code = strip_code(text)
    stack = []  # 'scope' or ('func', name, line)
    found = []
    head_start = 0
    depth_in_func = 0
    line = 1
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        if depth_in_func:
            if c == "{":
                depth_in_func += 1
            elif c == "}":
                depth_in_func -= 1
                if depth_in_func == 0:
                    name, start = stack.pop()[1:]
                    found.append((name, start, line - start + 1))
                    head_start = i + 1
            continue
        if c in ";":
            head_start = i + 1
        elif c == "{":
            head = code[head_start:i]
            head_stripped = head.strip()
            if SCOPE_WORDS.search(head) and not re.search(r"\)\s*(const\s*)?(noexcept\s*)?(override\s*)?$",
                                                          head_stripped.split("=")[0]):
                stack.append(("scope",))
            elif re.search(r"=\s*$", head_stripped) or head_stripped.endswith(("return", ",", "(")):
                stack.append(("scope",))  # a braced initializer
            else:
                m = re.search(r"([~\w]+(?:::[~\w]+)*)\s*\((?:[^()]|\([^()]*\))*\)[^()]*$", head, re.S)
                if m and not CONTROL.search(head[:m.start(1)] + m.group(1)):
                    stack.append(("func", m.group(1), line))
                    depth_in_func = 1
                else:
                    stack.append(("scope",))
            head_start = i + 1
        elif c == "}":
            if stack:
                stack.pop()
            head_start = i + 1
    return found


def check(root):
    violations = set()
    files = source_files(root)
    graph = {}
    for path in files:
        text = open(os.path.join(root, path), encoding="utf-8", errors="replace").read()
        src = module_of(path)
        for raw in text.splitlines():
            m = INCLUDE.match(raw)
            if not m:
                continue
            dst = module_of(m.group(1))
            if dst is None or src is None or dst == src:
                continue
            graph.setdefault(src, set()).add(dst)
            if dst not in ALLOWED.get(src, set()):
                violations.add(f"arrow {src} -> {dst}")
        if path.startswith(SIZE_DIRS):
            lines = text.count("\n")
            if lines > kFileBudget.get(path, kMaxFileLines):
                violations.add(f"size {path}")
            for name, start, length in functions(text):
                if length > kMaxFunctionLines:
                    violations.add(f"function {path}:{name}")
        for name, pattern, home in HELPERS:
            if path == home:
                continue
            if pattern.search(strip_code(text) if name in ("no-throw-token", "ows-trim", "now-ms") else text):
                violations.add(f"helper {name} {path}")
    violations |= check_suites(root)
    for cycle in cycles(graph):
        violations.add("cycle " + " ".join(cycle))
    return violations


SUITE = re.compile(r"^(?:TEST|TEST_F|TEST_P|TYPED_TEST)\(\s*(\w+)\s*,", re.M)


def check_suites(root):
    """Test suites named after their file, and each in one file only."""
    found, files_of = set(), {}
    for dirpath, _, names in os.walk(os.path.join(root, "tests")):
        for name in sorted(names):
            if not name.endswith("_test.cpp"):
                continue
            path = os.path.relpath(os.path.join(dirpath, name), root)
            subject = "".join(word.capitalize() for word in name[: -len("_test.cpp")].split("_"))
            for suite in set(SUITE.findall(open(os.path.join(root, path), encoding="utf-8", errors="replace").read())):
                files_of.setdefault(suite, set()).add(path)
                if not suite.lower().startswith(subject.lower()):
                    found.add(f"suite {path}:{suite}")
    for suite, paths in files_of.items():
        if len(paths) > 1:
            found.add(f"suite {' '.join(sorted(paths))}:{suite}")
    return found


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def self_test():
    """Plants one violation of each kind in a scratch tree and checks each is reported."""
    import tempfile
    with tempfile.TemporaryDirectory() as root:
        def write(path, text):
            os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
            open(os.path.join(root, path), "w").write(text)
        write("proxy/cache/a.hpp", '#include "proxy/http/b.hpp"\n')
        write("proxy/http/b.hpp", '#include "proxy/cache/a.hpp"\n')
        write("proxy/config/big.cpp", "int x;\n" * (kMaxFileLines + 1))
        write("proxy/config/long.cpp", "void f() {\n" + "  g();\n" * kMaxFunctionLines + "}\n")
        write("proxy/config/short.cpp", "void f() {\n" + "  g();\n" * (kMaxFunctionLines - 2) + "}\n")
        write("upstream_stub/s.cpp", '#include "proxy/config/config.hpp"\nconst char* h = "0123456789abcdef";\n')
        write("tests/unit/cache/foo_bar_test.cpp", "TEST(FooBarBaz, A) {}\nTEST(Other, B) {}\n")
        write("tests/unit/cache/other_test.cpp", "TEST(Other, C) {}\n")
        found = check(root)
    expected = {"arrow cache -> http", "arrow http -> cache", "arrow upstream_stub -> config", "cycle cache http",
                "size proxy/config/big.cpp", "function proxy/config/long.cpp:f", "helper hex-table upstream_stub/s.cpp",
                "suite tests/unit/cache/foo_bar_test.cpp:Other",
                "suite tests/unit/cache/foo_bar_test.cpp tests/unit/cache/other_test.cpp:Other"}
    missing = expected - found
    extra = found - expected
    for line in sorted(missing):
        print(f"self-test: not found: {line}")
    for line in sorted(extra):
        print(f"self-test: unexpected: {line}")
    return 1 if missing or extra else 0


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--root", default=os.path.dirname(here))
    parser.add_argument("--allow", default=os.path.join(here, "structure.allow"))
    parser.add_argument("--print", action="store_true")
    parser.add_argument("--self-test", action="store_true", help="check that planted violations are found")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    found = check(args.root)
    if args.print:
        for line in sorted(found):
            print(line)
        return 0
    allowed = set()
    if os.path.exists(args.allow):
        for raw in open(args.allow):
            raw = raw.split("#", 1)[0].strip()
            if raw:
                allowed.add(raw)
    new = sorted(found - allowed)
    gone = sorted(allowed - found)
    for line in new:
        print(f"structure: new violation: {line}")
    for line in gone:
        print(f"structure: fixed, delete it from {os.path.relpath(args.allow, args.root)}: {line}")
    if new or gone:
        return 1
    print(f"structure: ok ({len(found)} known violation(s) left in the allow list)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
