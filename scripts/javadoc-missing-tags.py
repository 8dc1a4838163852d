#!/usr/bin/env python3
"""Adds the @param/@return tags that javadoc's doclint reports missing ("no @param for x",
"no @return") to the doc comments named in the given javadoc logs. The text comes from the
comment's own first sentence, the record's @param text (compact constructors), or "this builder"
(builder setters); weak guesses ("@param n the n") are worth a look. Prints what it would add;
--apply writes the files. Used for the Javadoc cleanup of icm-djl, icm-http, icm-onnx and
icm-examples (docs/releasing.md); rerun it after a merge brings undocumented members back:

  javadoc -Xdoclint:all -Xmaxwarns 10000 -quiet -d /tmp/jd -cp CLASSPATH \
      -sourcepath icm-http/src/main/java -subpackages org.icm4j.http > /tmp/jd.log 2>&1
  scripts/javadoc-missing-tags.py /tmp/jd.log            # review
  scripts/javadoc-missing-tags.py --apply /tmp/jd.log
"""
import re, sys, collections
apply = '--apply' in sys.argv
logs = [a for a in sys.argv[1:] if not a.startswith('--')]
warn = collections.OrderedDict()
for log in logs:
    for line in open(log):
        m = re.match(r'(.+?\.java):(\d+): warning: (no @param for (\S+)|no @return|no comment)', line)
        if not m: continue
        key = (m.group(1), int(m.group(2)))
        warn.setdefault(key, []).append(('param', m.group(4)) if m.group(4) else ('return', None) if 'return' in m.group(3) else ('comment', None))

def camel(name):
    return re.sub(r'([A-Z])', lambda x: ' ' + x.group(1).lower(), name)

def first_sentence(doc):
    text = ' '.join(l.strip().lstrip('*').strip() for l in doc)
    text = text.replace('/**', '').replace('*/', '').strip()
    text = re.split(r'\s@\w+', text)[0]
    m = re.match(r'(.+?[.;:])(\s|$)', text)
    s = (m.group(1) if m else text).strip()
    return s.rstrip('.;:').strip()

def lower1(s):
    if s.startswith('{@'): return s
    return s[:1].lower() + s[1:] if s and not s[:2].isupper() else s

def record_params(lines, file):
    out = {}
    text = '\n'.join(lines)
    for m in re.finditer(r'@param (\w+) (.+?)(?=\n\s*\*\s*(?:@|$|/)|\n\s*\*/)', text, re.S):
        d = ' '.join(x.strip().lstrip('*').strip() for x in m.group(2).split('\n'))
        out.setdefault(m.group(1), d.strip())
    return out

changes = collections.defaultdict(list)
for (file, ln), items in warn.items():
    lines = open(file).read().split('\n')
    decl = lines[ln-1]
    # find the doc comment above
    i = ln - 2
    while i >= 0 and (lines[i].strip().startswith('@') or lines[i].strip() == '' ):
        i -= 1
    if not lines[i].strip().endswith('*/'):
        print('NO COMMENT', file, ln, decl.strip()); continue
    end = i
    j = end
    while '/**' not in lines[j]: j -= 1
    start = j
    doc = lines[start:end+1]
    summary = first_sentence(doc)
    indent = re.match(r'\s*', lines[start]).group(0)
    tags = []
    compact = re.match(r'\s*public\s+(\w+)\s*\{', decl) or re.match(r'\s*(\w+)\s*\{', decl)
    rec = record_params(lines[:start], file) if compact else {}
    m = re.search(r'(\w+)\s*\(([^)]*)\)', decl)
    mname = m.group(1) if m else ''
    rtype = decl.strip().split('(')[0].split()[-2] if m and len(decl.strip().split('(')[0].split()) >= 2 else ''
    for kind, name in items:
        if kind == 'param':
            if compact and name in rec:
                d = rec[name]
            elif m and len([p for p in m.group(2).split(',') if p.strip()]) == 1 and rtype in ('Builder', 'B'):
                d = lower1(summary)
            else:
                d = 'the ' + camel(name)
            tags.append(f'@param {name} {d}')
        elif kind == 'return':
            if rtype in ('Builder', 'B') and mname != 'builder':
                d = 'this builder'
            elif mname == 'builder':
                d = 'a new builder'
            else:
                s = re.sub(r'^Returns\s+', '', summary)
                d = lower1(s) if s else 'the ' + camel(mname)
            tags.append(f'@return {d}')
        else:
            print('NO COMMENT item', file, ln, decl.strip())
    if not tags: continue
    print(f'{file}:{ln}: {decl.strip()[:80]}')
    for t in tags: print('     ', t)
    changes[file].append((start, end, indent, tags))

if apply:
    for file, chs in changes.items():
        lines = open(file).read().split('\n')
        for start, end, indent, tags in sorted(chs, key=lambda c: -c[0]):
            doc = lines[start:end+1]
            if start == end:  # one-line comment
                body = doc[0].strip()[3:-2].strip()
                new = [indent + '/**', indent + ' * ' + body, indent + ' *'] 
            else:
                new = doc[:-1]
                if new[-1].strip() != '*': new.append(indent + ' *')
            import textwrap
            for t in tags:
                w = textwrap.wrap(t, width=max(40, 100 - len(indent) - 3), break_long_words=False, break_on_hyphens=False)
                new.append(indent + ' * ' + w[0])
                for x in w[1:]:
                    new.append(indent + ' *     ' + x)
            new.append(indent + ' */')
            lines[start:end+1] = new
        open(file, 'w').write('\n'.join(lines))
