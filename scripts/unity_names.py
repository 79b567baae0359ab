#!/usr/bin/env python3
"""Unity-build hazard check (CMake UNITY_BUILD, see the root CMakeLists.txt).

In a unity batch, the files are one translation unit: a name a file defines in
an anonymous namespace (or `static`) is visible to the files after it in the
batch, and can silently take the place of another name that those files mean
(e.g. a test's own `kRegistryLog` text hiding ledger::kRegistryLog, a file
name, in the next file). The compiler reports two definitions of one name;
it does not report this.

Reads the batches CMake generated under BUILD_DIR (Unity/unity_*.cxx) and, for
every file of a batch, the names it defines at the top of an anonymous
namespace or as `static` at file scope. Prints each such name that another
file of the same batch uses without defining it, and exits 1 if there is one.
Usage: scripts/unity_names.py BUILD_DIR
"""
import pathlib
import re
import sys

DEF_PATTERNS = [
    re.compile(r'^(?:static\s+)?(?:inline\s+)?(?:constexpr|const)\b[^=;(]*?\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*(?:=|\{|;)'),
    re.compile(r'^(?:class|struct|enum(?:\s+class)?|union)\s+([A-Za-z_]\w*)'),
    re.compile(r'^using\s+([A-Za-z_]\w*)\s*='),
    re.compile(r'^(?:template\s*<.*>\s*)?(?:static\s+)?(?:inline\s+)?(?:constexpr\s+)?[A-Za-z_][\w:<>,\s\*&]*?[\s\*&]([A-Za-z_]\w*)\s*\('),
]
KEYWORDS = {'if', 'for', 'while', 'switch', 'return', 'operator', 'sizeof', 'decltype', 'TEST', 'TEST_F',
            'TEST_P', 'INSTANTIATE_TEST_SUITE_P', 'main'}


def strip(text):
    """Removes comments and string/char literals (keeps line structure)."""
    text = re.sub(r'R"(\w*)\((?:.|\n)*?\)\1"', lambda m: '""' + '\n' * m.group(0).count('\n'), text)
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'/\*(?:.|\n)*?\*/', lambda m: '\n' * m.group(0).count('\n'), text)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(?:\\.|[^'\\\n])*'", "''", text)
    return text


def local_names(text):
    """Names defined at the top level of an anonymous namespace, or static at file scope."""
    names = set()
    depth = 0
    anon_depths = []  # brace depth inside each open anonymous namespace
    for line in text.split('\n'):
        stripped = line.strip()
        at_anon_top = bool(anon_depths) and depth == anon_depths[-1]
        if line and not line[0].isspace() and (at_anon_top or stripped.startswith('static ')):
            for pattern in DEF_PATTERNS:
                m = pattern.match(stripped)
                if m and m.group(1) not in KEYWORDS:
                    names.add(m.group(1))
                    break
        if re.match(r'^namespace\s*\{', stripped):
            anon_depths.append(depth + 1)
        for ch in line:
            if ch == '{':
                depth += 1
            elif ch == '}':
                depth -= 1
                if anon_depths and depth < anon_depths[-1]:
                    anon_depths.pop()
    return names


def uses(text, name):
    """True when `name` occurs unqualified (not after ., -> or ::)."""
    return re.search(r'(?<![\w.:>])' + re.escape(name) + r'\b', text) is not None


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().split('\n')[-1], file=sys.stderr)
        return 2
    found = 0
    batches = sorted(pathlib.Path(sys.argv[1]).glob('**/Unity/unity_*.cxx'))
    for batch in batches:
        files = re.findall(r'#include "([^"]+)"', batch.read_text())
        texts = {f: strip(pathlib.Path(f).read_text()) for f in files}
        defined = {f: local_names(t) for f, t in texts.items()}
        for f in files:
            for name in sorted(defined[f]):
                for g in files:
                    if g != f and name not in defined[g] and uses(texts[g], name):
                        print(f'{batch.name} of {batch.parent.parent.name}: {pathlib.Path(f).name} defines '
                              f'{name}, which {pathlib.Path(g).name} uses without defining it')
                        found += 1
    print(f'unity_names: {len(batches)} batches, {found} hazards')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
