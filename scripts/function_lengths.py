#!/usr/bin/env python3
# scripts/function_lengths.py DIR [LIMIT]: lists the C++ functions under DIR longer
# than LIMIT lines (default 80, the house limit), longest first,
# as "LINES path:line name". A brace-matching heuristic over the source with
# comments and strings blanked: a block opened after ")" (not if/for/while/...)
# outside any function counts as one function, lambdas inside it included.
import re, sys, os
LIMIT = int(sys.argv[2]) if len(sys.argv) > 2 else 80
CTRL = re.compile(r'\b(if|for|while|switch|catch|do|else|namespace|class|struct|enum|union|extern)\b')
def strip(src):
    out = []; i = 0; n = len(src)
    while i < n:
        c = src[i]
        if src.startswith('//', i):
            j = src.find('\n', i); j = n if j < 0 else j; out.append(' ' * (j - i)); i = j
        elif src.startswith('/*', i):
            j = src.find('*/', i); j = n if j < 0 else j + 2
            out.append(''.join(ch if ch == '\n' else ' ' for ch in src[i:j])); i = j
        elif src.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', src[i:]); end = ')' + m.group(1) + '"'
            j = src.find(end, i); j = n if j < 0 else j + len(end)
            out.append(''.join(ch if ch == '\n' else ' ' for ch in src[i:j])); i = j
        elif c in '"\'':
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == '\\' else 1
            out.append(c + ' ' * (j - i - 1) + c); i = j + 1
        else:
            out.append(c); i += 1
    return ''.join(out)
def scan(path):
    src = strip(open(path, encoding='utf-8', errors='replace').read())
    stack = []  # (is_function, start_line, name)
    last = 0; res = []
    for i, c in enumerate(src):
        if c == '{':
            head = src[last:i]
            h = head.strip()
            inside_fn = any(s[0] for s in stack)
            is_fn = (not inside_fn and h.endswith(')') or re.search(r'\)\s*(const|override|noexcept|final|\s)*(->\s*[\w:<>, ]+)?$', h) is not None) \
                and not CTRL.search(h.split('(')[0]) and '=' not in h.split('(')[0] and not inside_fn
            line = src.count('\n', 0, i) + 1
            name = re.findall(r'([~\w:]+)\s*\(', h)
            stack.append((is_fn, line, name[0] if name else h[-40:]))
            last = i + 1
        elif c == '}':
            if stack:
                is_fn, start, name = stack.pop()
                end = src.count('\n', 0, i) + 1
                if is_fn and end - start + 1 > LIMIT: res.append((end - start + 1, path, start, name))
            last = i + 1
        elif c == ';':
            last = i + 1
    return res
allres = []
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith(('.cc', '.h', '.cpp')): allres += scan(os.path.join(root, f))
for n, p, l, name in sorted(allres, reverse=True): print(f'{n:4d} {p}:{l} {name}')
