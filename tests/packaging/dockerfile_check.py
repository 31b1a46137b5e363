#!/usr/bin/env python3
"""Reviews the top-level Dockerfile where Docker is absent (and hadolint is not packaged in Debian 12).

Usage: dockerfile_check.py REPO_DIR SLUICE_BINARY

Checks, each failure printed as `Dockerfile:LINE: what is wrong`:
  - every stage is FROM debian:12-slim, the first is named, the last runs as a non-root numeric
    user with ENTRYPOINT ["sluice"];
  - every COPY source exists in the repository and no tracked file under it is left out by
    .dockerignore; every COPY --from names an earlier stage, and the binary it takes is the one
    that stage's `cmake -B DIR ... --target sluice` builds;
  - the build stage installs only packages scripts/deps lists, among them the -dev package of
    every library the binary links directly (the package holding libNAME.so);
  - the runtime stage installs no -dev package, installs ca-certificates, names the package of
    every library the binary links directly (readelf NEEDED), and its packages with their
    dependencies hold every library `ldd` lists (each mapped to its package by `dpkg -S`).
Then it checks itself: mutated copies of the Dockerfile (libpq5 dropped, a missing COPY source,
debian:11) must each be refused, so a check that can no longer fail is noticed.
Exit 0 when all pass, 1 on any failure, 77 (skipped) off Debian 12 or without dpkg.
"""

import os
import re
import shlex
import subprocess
import sys

BASE_IMAGE = "debian:12-slim"
SKIP = 77


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def instructions(text):
    """Yields (line number, KEYWORD, arguments) with continuations joined and comments dropped."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = []
        while line.rstrip().endswith("\\"):
            parts.append(line.rstrip()[:-1])
            # Comment lines inside a continued instruction are dropped, as Docker does.
            while i < len(lines) and lines[i].lstrip().startswith("#"):
                i += 1
            line = lines[i] if i < len(lines) else ""
            i += 1
        parts.append(line)
        joined = " ".join(p.strip() for p in parts)
        keyword, _, rest = joined.partition(" ")
        yield start + 1, keyword.upper(), rest.strip()


def parse_stages(text):
    """The stages in order: dicts with name, image, line and their instructions."""
    stages = []
    for line, keyword, rest in instructions(text):
        if keyword == "FROM":
            words = rest.split()
            flags = [w for w in words if w.startswith("--")]
            words = [w for w in words if not w.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append({"line": line, "image": words[0] if words else "", "name": name,
                           "flags": flags, "steps": []})
        elif stages:
            stages[-1]["steps"].append((line, keyword, rest))
    return stages


def apt_packages(run_args):
    """Package names after each `apt-get install` of a RUN, options and operators skipped."""
    packages = []
    tokens = shlex.split(run_args)
    for i, token in enumerate(tokens):
        if token == "install" and i > 0 and tokens[i - 1] in ("apt-get", "apt"):
            for word in tokens[i + 1:]:
                if word in ("&&", ";", "||", "|") or word.endswith(";"):
                    break
                if not word.startswith("-"):
                    packages.append(word)
    return packages


def deps_packages(repo):
    """The packages of scripts/deps's `packages=( ... )` list."""
    text = read(os.path.join(repo, "scripts", "deps"))
    block = re.search(r"packages=\((.*?)\n\)", text, re.S)
    if not block:
        return set()
    names = set()
    for line in block.group(1).split("\n"):
        names.update(line.split("#", 1)[0].split())
    return names


def dockerignore_patterns(repo):
    path = os.path.join(repo, ".dockerignore")
    if not os.path.exists(path):
        return []
    patterns = []
    for line in read(path).split("\n"):
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line)
    return patterns


def pattern_regex(pattern):
    """Docker's pattern syntax (Go's filepath.Match plus `**`) as a regular expression."""
    out = ""
    i = 0
    pattern = pattern.strip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + "$")


def ignored(relpath, patterns):
    """Whether .dockerignore leaves relpath out: it or a parent matches, the last match wins."""
    parts = relpath.strip("/").split("/")
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = pattern_regex(pattern[1:] if negate else pattern)
        for n in range(1, len(parts) + 1):
            if regex.match("/".join(parts[:n])):
                verdict = not negate
                break
    return verdict


def tracked_files(repo):
    try:
        out = subprocess.run(["git", "-C", repo, "ls-files"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [f for f in out.split("\n") if f]


def installed_packages():
    """Every installed package: name -> (list of dependency alternatives, provides)."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package}\t${db:Status-Abbrev}\t${Pre-Depends}, ${Depends}"
         "\t${Provides}\n"], capture_output=True, text=True, check=True).stdout
    packages = {}
    providers = {}
    for row in out.split("\n"):
        if not row:
            continue
        name, status, depends, provides = (row.split("\t") + ["", "", ""])[:4]
        if not status.startswith("ii"):
            continue
        alternatives = []
        for clause in depends.split(","):
            names = [re.sub(r"\(.*?\)|:\w+", "", alt).strip() for alt in clause.split("|")]
            names = [n for n in names if n]
            if names:
                alternatives.append(names)
        packages[name] = alternatives
        for p in provides.split(","):
            p = re.sub(r"\(.*?\)", "", p).strip()
            if p:
                providers.setdefault(p, []).append(name)
    return packages, providers


def closure(roots, packages, providers):
    """roots and everything they depend on, taking the first alternative that is installed."""
    seen = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            for provider in providers.get(name, []):
                todo.append(provider)
            seen.add(name)
            continue
        seen.add(name)
        for alternatives in packages[name]:
            chosen = next((a for a in alternatives if a in packages or a in providers),
                          alternatives[0])
            todo.append(chosen)
    return seen


def library_packages(paths, resolve=True):
    """Library path -> its Debian package, through one dpkg -S of each path as linked and resolved
    (usrmerge: dpkg knows some by /lib, some by /usr/lib). resolve=False keeps a symbolic link's
    own package (libpq.so is libpq-dev's, its target libpq5's)."""
    def names(path):
        if resolve:
            return (path, os.path.realpath(path))
        return (path, "/usr" + path) if path.startswith("/lib/") else (path,)
    candidates = {c: path for path in paths for c in names(path)}
    result = subprocess.run(["dpkg", "-S", *candidates], capture_output=True, text=True)
    owners = {}
    for line in result.stdout.split("\n"):
        package, sep, owned = line.partition(": ")
        if sep and owned.strip() in candidates:
            owners[candidates[owned.strip()]] = package.split(":", 1)[0].strip()
    return owners


def binary_libraries(binary):
    """(ldd's resolved paths, the NEEDED sonames with ldd's path for each)."""
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    paths = {}
    for line in ldd.split("\n"):
        m = re.match(r"\s*(\S+)\s+=>\s+(/\S+)", line)
        if m:
            paths[m.group(1)] = m.group(2)
        m = re.match(r"\s*(/\S+)\s+\(", line)
        if m:
            paths[os.path.basename(m.group(1))] = m.group(1)
    dynamic = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True,
                             check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic)
    return paths, needed


class Host:
    """What the checks learn from this machine once: packages and the binary's libraries."""

    def __init__(self, repo, binary):
        self.repo = repo
        self.deps = deps_packages(repo)
        self.ignore = dockerignore_patterns(repo)
        self.tracked = tracked_files(repo)
        self.packages, self.providers = installed_packages()
        self.lib_paths, self.needed = binary_libraries(binary)
        self.owners = library_packages(self.lib_paths.values())
        # The link-time name of each directly linked library (libpq.so beside libpq.so.5), whose
        # package (libpq-dev) the build stage needs; libraries without one here are skipped.
        self.dev_links = {}
        for soname in self.needed:
            path = self.lib_paths.get(soname)
            if path:
                link = os.path.join(os.path.dirname(path), soname.split(".so")[0] + ".so")
                if os.path.exists(link):
                    self.dev_links[soname] = link
        self.dev_owners = library_packages(self.dev_links.values(), resolve=False)


def check(text, host, notes=None):
    """Every problem of one Dockerfile's text, as `Dockerfile:LINE: message` strings; remarks
    that are not problems go to notes when given."""
    errors = []
    notes = [] if notes is None else notes

    def err(line, message):
        errors.append(f"Dockerfile:{line}: {message}")

    stages = parse_stages(text)
    if len(stages) < 2:
        err(1, f"expected a build stage and a runtime stage, found {len(stages)} FROM")
        return errors
    names = {}
    for index, stage in enumerate(stages):
        if stage["image"] != BASE_IMAGE and stage["image"] not in names:
            err(stage["line"], f"FROM {stage['image']}: every stage is FROM {BASE_IMAGE}")
        if stage["name"]:
            names[stage["name"]] = index
    if not stages[0]["name"]:
        err(stages[0]["line"], "the build stage needs a name (FROM ... AS build) for COPY --from")

    for index, stage in enumerate(stages):
        workdir = "/"
        for line, keyword, rest in stage["steps"]:
            if keyword == "WORKDIR":
                workdir = os.path.join(workdir, rest)
            if keyword not in ("COPY", "ADD"):
                continue
            words = shlex.split(rest)
            flags = {w.split("=", 1)[0]: w.split("=", 1)[-1] for w in words if w.startswith("--")}
            args = [w for w in words if not w.startswith("--")]
            if len(args) < 2:
                err(line, f"{keyword} needs a source and a destination")
                continue
            sources = args[:-1]
            if "--from" in flags:
                source_stage = flags["--from"]
                if names.get(source_stage, index) >= index:
                    err(line, f"COPY --from={source_stage}: no earlier stage has that name")
                    continue
                built = built_binary(stages[names[source_stage]])
                for source in sources:
                    if built is None or os.path.normpath(source) != built:
                        err(line, f"COPY --from={source_stage} {source}: that stage builds "
                                  f"{built or 'no sluice binary'}")
                continue
            for source in sources:
                rel = os.path.normpath(source).lstrip("./") if source not in (".", "./") else ""
                if not os.path.exists(os.path.join(host.repo, rel)):
                    err(line, f"COPY {source}: no such file or directory in the repository")
                elif rel and ignored(rel, host.ignore):
                    err(line, f"COPY {source}: .dockerignore leaves it out of the build context")
                elif host.tracked is not None:
                    prefix = rel.rstrip("/") + "/" if rel else ""
                    under = [f for f in host.tracked if f == rel or f.startswith(prefix)]
                    left_out = [f for f in under if ignored(f, host.ignore)]
                    if left_out:
                        err(line, f"COPY {source}: .dockerignore leaves out {left_out[0]}")

    build_packages = [p for _, k, r in stages[0]["steps"] if k == "RUN" for p in apt_packages(r)]
    for package in build_packages:
        if package not in host.deps:
            err(stages[0]["line"], f"build stage installs {package}, which scripts/deps does not")

    built_with = closure(build_packages, host.packages, host.providers)
    for soname, link in sorted(host.dev_links.items()):
        dev = host.dev_owners.get(link)
        if dev is not None and dev not in built_with:
            err(stages[0]["line"], f"the binary links {soname}, but the build stage does not "
                                   f"install {dev} (which holds {os.path.basename(link)})")

    final = stages[-1]
    runtime = [(line, p) for line, k, r in final["steps"] if k == "RUN" for p in apt_packages(r)]
    runtime_names = {p for _, p in runtime}
    for line, package in runtime:
        if package.endswith("-dev") or package in ("build-essential", "cmake", "ninja-build"):
            err(line, f"runtime stage installs the build package {package}")
        elif package not in host.packages:
            # Only what the binary links is checked below; a package named ahead of the library
            # that needs it (or after it left) is harmless.
            notes.append(f"Dockerfile:{line}: runtime package {package} is not installed here")
    if "ca-certificates" not in runtime_names:
        err(final["line"], "runtime stage lacks ca-certificates: HTTPS to S3, SQS and STS fails")
    available = closure(runtime_names, host.packages, host.providers)
    for soname in host.needed:
        path = host.lib_paths.get(soname)
        owner = host.owners.get(path)
        if owner is None:
            err(final["line"], f"{soname} ({path}) belongs to no Debian package here")
        elif owner not in runtime_names:
            err(final["line"], f"the binary links {soname} directly: name {owner} in the runtime "
                               "stage's apt-get install")
    for soname, path in sorted(host.lib_paths.items()):
        owner = host.owners.get(path)
        if owner is None:
            err(final["line"], f"ldd lists {soname} ({path}), which belongs to no Debian package")
        elif owner not in available:
            err(final["line"], f"ldd lists {soname}, from {owner}, which no runtime package "
                               "brings")

    steps = {k: (line, r) for line, k, r in final["steps"]}
    user = steps.get("USER", (final["line"], "root"))
    uid = user[1].split(":")[0]
    if not uid.isdigit() or uid == "0":
        err(user[0], f"USER {user[1]}: the runtime stage runs as a numeric non-root user "
                     "(Kubernetes' runAsNonRoot checks the number)")
    entry = steps.get("ENTRYPOINT")
    if entry is None or entry[1].replace(" ", "") != '["sluice"]':
        err(entry[0] if entry else final["line"], 'the runtime stage needs ENTRYPOINT ["sluice"]')
    return errors


def built_binary(stage):
    """The path of the sluice binary a stage builds: WORKDIR/DIR for `cmake -B DIR --target sluice`."""
    workdir = "/"
    for _, keyword, rest in stage["steps"]:
        if keyword == "WORKDIR":
            workdir = os.path.join(workdir, rest)
        if keyword == "RUN" and "--target sluice" in rest:
            match = re.search(r"cmake\s.*?-B\s*(\S+)", rest)
            if match:
                return os.path.normpath(os.path.join(workdir, match.group(1), "sluice"))
    return None


def self_check(text, host):
    """Mutations the check must refuse; returns the ones it let through."""
    mutations = {
        "libpq5 dropped from the runtime stage": text.replace(" libpq5 ", " "),
        "a COPY of a missing directory": text.replace("COPY src/ src/",
                                                      "COPY src/ src/\nCOPY no-such-dir/ x/"),
        "FROM debian:11-slim": text.replace("FROM debian:12-slim AS build",
                                            "FROM debian:11-slim AS build"),
        "USER root": re.sub(r"(?m)^USER .*$", "USER root", text),
        "libpq-dev dropped from the build stage": text.replace(" libpq-dev ", " "),
    }
    passed = []
    for what, mutated in mutations.items():
        if mutated == text:
            passed.append(f"{what} (the mutation found nothing to change)")
        elif not check(mutated, host):
            passed.append(what)
    return passed


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    repo, binary = sys.argv[1], sys.argv[2]
    try:
        release = read("/etc/debian_version").strip()
    except OSError:
        release = ""
    if not release.startswith("12") or not all(
            subprocess.run(["which", tool], capture_output=True).returncode == 0
            for tool in ("dpkg-query", "ldd", "readelf")):
        print(f"skipped: needs Debian 12 with dpkg, ldd and readelf (this is '{release}')")
        return SKIP
    host = Host(repo, binary)
    text = read(os.path.join(repo, "Dockerfile"))
    notes = []
    errors = check(text, host, notes)
    for n in notes:
        print(f"note: {n}")
    for e in errors:
        print(e)
    slipped = self_check(text, host)
    for what in slipped:
        print(f"self-check: the check accepted a Dockerfile with {what}")
    if errors or slipped:
        return 1
    print(f"Dockerfile: {len(parse_stages(text))} stages, {len(host.lib_paths)} libraries from "
          f"{len(set(host.owners.values()))} packages covered, {len(host.needed)} linked "
          "directly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
