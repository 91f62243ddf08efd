"""Writes the benchmark's results into docs/benchmarks.md (between markers, so the prose
around them stays) and a plot next to it: a row per archive size and database, the ratios
and the targets of issue 8 (met, missed, or not measured)."""

from pathlib import Path

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
TARGET_SIZES = (1000, 10000, 100000)
LIVE_P95_S, RATIO, REQUEST_P95_S = 1.0, 1.5, 0.100
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4))
    for i, database in enumerate(results["databases"]):
        color = f"C{i}"  # one colour per database; p50 dashed, p95 solid
        runs = sorted((s for s in results["sizes"] if s["database"] == database), key=lambda s: s["posts"])
        name = NAMES.get(database, database)
        sizes = [s["posts"] for s in runs]
        left.plot(sizes, [s["publish"]["p95_s"] for s in runs], "s-", color=color, label=f"{name} p95")
        left.plot(sizes, [s["publish"]["p50_s"] for s in runs], "o--", color=color, label=f"{name} p50")
        middle.plot(sizes, [s["publish"]["request_p95_s"] * 1000 for s in runs], "s-", color=color, label=f"{name} p95")
        middle.plot(sizes, [s["publish"]["request_p50_s"] * 1000 for s in runs], "o--", color=color, label=f"{name} p50")
        baked = [s for s in runs if s.get("bake")]
        right.plot([s["posts"] for s in baked], [s["bake"]["pages_per_s"] for s in baked], "o-",
                   color=color, label=f"{name}, in one process")
        for n, style in ((1, "v:"), (2, "^--")):
            right.plot([s["posts"] for s in baked], [s["bake_queued"][n - 1]["pages_per_s"] for s in baked],
                       style, color=color, label=f"{name}, queued, {n} worker{'s' if n > 1 else ''}")
    # Hugo reads the same exported files whichever database they came from: plot one series.
    hugo = sorted({s["posts"]: s["hugo"]["pages_per_s"] for s in reversed(results["sizes"]) if s.get("hugo")}.items())
    if hugo:
        right.plot([n for n, _ in hugo], [v for _, v in hugo], "s-", color="black", label="Hugo")
    left.axhline(LIVE_P95_S, color="grey", linestyle=":", label="target p95 (1 s)")
    left.set(xscale="log", xlabel="posts in the archive", ylabel="seconds", title="Publish to live", ylim=(0, None))
    middle.axhline(REQUEST_P95_S * 1000, color="grey", linestyle=":", label="target p95 at 100k (100 ms)")
    middle.set(xscale="log", xlabel="posts in the archive", ylabel="milliseconds",
               title="The editor's publish request", ylim=(0, None))
    right.set(xscale="log", xlabel="posts in the archive", ylabel="pages per second", title="Full build",
              ylim=(0, None))
    for ax in (left, middle, right):
        ax.legend(fontsize="small")
    fig.suptitle(f"{results['machine']['cpus']} CPUs, Python {results['machine']['python']}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _bake(s):
    b = s.get("bake")
    if not b:
        return "not measured | not measured | not measured | —"
    one, two = s["bake_queued"]
    return (
        f"{b['pages']:,} pages in {b['seconds']:.1f} s ({b['pages_per_s']:,.0f}/s, {b['peak_rss_mb']:,} MB) | "
        f"{one['seconds']:.1f} s ({one['pages_per_s']:,.0f}/s) | {two['seconds']:.1f} s ({two['pages_per_s']:,.0f}/s) | "
        f"{s['bake_queued_scaling']:.2f}×"
    )


def _hugo(s):
    h = s.get("hugo")
    if not h:
        return "not measured"
    versus = f", bake / Hugo {s['bake_vs_hugo']:.2f}" if "bake_vs_hugo" in s else ""
    text = f"{h['pages_per_s']:,.0f}/s ({h['pages']:,} pages, {h['peak_rss_mb']:,} MB{versus})"
    lean = s.get("hugo_lean")
    if lean:
        floor = f", bake / floor {s['bake_vs_hugo_lean']:.2f}" if "bake_vs_hugo_lean" in s else ""
        text += f"; leanest templates {lean['pages_per_s']:,.0f}/s{floor}"
    if s.get("rounds"):
        text += f"; median of {s['rounds']} alternated runs"
    return text


def _sql(publish):
    sql = publish.get("request_sql_s_median")
    text = "" if sql is None else f", {sql * 1000:.0f} ms in SQL"
    if publish.get("db_roundtrip_ms_mean") is not None:
        text += f"; `SELECT 1` {publish['db_roundtrip_ms_mean']:.2f} ms on average, load {publish['load']}"
    return text


def _run(results, database, size):
    return next((s for s in results["sizes"] if s["database"] == database and s["posts"] == size), None)


def _targets(results):
    """Issue 8's targets per database: met, missed, or not measured (a size not in this run)."""
    rows = ["| target | database | measured | |", "| --- | --- | --- | --- |"]
    for database in results["databases"]:
        name = NAMES.get(database, database)
        measured = []
        for size in TARGET_SIZES:
            run = _run(results, database, size)
            measured.append((size, run["publish"]["p95_s"] if run else None))
        text = ", ".join(f"{p:.2f} s ({n // 1000}k)" if p is not None else f"— ({n // 1000}k)" for n, p in measured)
        values = [p for _, p in measured]
        if any(p is not None and p > LIVE_P95_S for p in values):
            verdict = "missed"
        elif all(p is not None for p in values):
            verdict = "met"
        else:
            verdict = "not measured" if all(p is None for p in values) else "met where measured; not measured at " + ", ".join(
                f"{n // 1000}k" for n, p in measured if p is None)
        rows.append(f"| publish-to-live p95 ≤ {LIVE_P95_S:g} s at 1k, 10k and 100k | {name} | {text} | {verdict} |")
        small, large = _run(results, database, 1000), _run(results, database, 100000)
        if small and large:
            ratio = large["publish"]["p95_s"] / small["publish"]["p95_s"]
            rows.append(f"| p95(100k) / p95(1k) ≤ {RATIO:g} | {name} | {ratio:.2f} | {'met' if ratio <= RATIO else 'missed'} |")
        else:
            rows.append(f"| p95(100k) / p95(1k) ≤ {RATIO:g} | {name} | — | not measured |")
        if large:
            p95 = large["publish"]["request_p95_s"]
            rows.append(f"| publish request p95 ≤ {REQUEST_P95_S * 1000:.0f} ms at 100k | {name} | {p95 * 1000:.0f} ms | "
                        f"{'met' if p95 <= REQUEST_P95_S else 'missed'} |")
        else:
            rows.append(f"| publish request p95 ≤ {REQUEST_P95_S * 1000:.0f} ms at 100k | {name} | — | not measured |")
    return "\n".join(rows)


def _table(results, sizes):
    rows = [
        "| posts | database | publish request p50 / p95 (median queries, time in SQL) | publish-to-live p50 / p95 | pages per publish (median/max) "
        "| full bake, one process | full bake queued, 1 worker | 2 workers | speed-up with 2 workers | Hugo |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sorted(results["sizes"], key=lambda s: (results["databases"].index(s["database"]), s["posts"])):
        p = s["publish"]
        rows.append(
            f"| {s['posts']:,} | {NAMES.get(s['database'], s['database'])} | "
            f"{p['request_p50_s'] * 1000:.0f} / {p['request_p95_s'] * 1000:.0f} ms ({p['request_queries_median']:g}{_sql(p)}) | "
            f"{p['p50_s']:.2f} / {p['p95_s']:.2f} s | {p['pages_per_publish_median']:g} / {p['pages_per_publish_max']} | "
            f"{_bake(s)} | {_hugo(s)} |"
        )
    for database, ratio in results["publish_p95_ratio"].items():
        if ratio:
            rows.append(f"\np95 publish-to-live on {NAMES.get(database, database)}, {ratio['largest']:,} / "
                        f"{ratio['smallest']:,} posts: {ratio['ratio']:.2f}.")
    serving = results.get("serving") or {"skipped": "not measured in this run"}
    if "skipped" in serving:
        rows.append(f"\nServing: skipped — {serving['skipped']}.")
    else:
        servers = "; ".join(f"{name}: {m['rps']:,} requests/s, p99 {m['p99_ms']} ms"
                            for name, m in serving["servers"].items())
        rows.append(
            f"\nServing one baked post page (`wrk {serving['wrk']}` on loopback, two workers each): {servers}. "
            f"`samizdat serve` / bare nginx: {serving['ratio']:.2f} (with the Python front: {serving['python_ratio']:.2f})."
        )
    rows.append(f"\nTargets (issue 8):\n\n{_targets(results)}")
    skipped = f" --skip {','.join(results['skipped'])}" if results.get("skipped") else ""
    rows.append(
        f"\nMachine: {results['machine']['cpus']} CPUs, {results['machine']['system']}, Python "
        f"{results['machine']['python']}, load {results['machine']['load']} at the start. "
        f"Reproduce with `samizdat bench --sizes {','.join(map(str, sizes))} "
        f"--database {','.join(results['databases'])}{skipped}` (`make bench` runs every part at 1k, 10k "
        f"and 100k on both databases)."
    )
    return "\n".join(rows)


def report_write(results, docs: Path, sizes):
    plot = docs.with_name("benchmarks.png")
    _plot(results, plot)
    block = f"{START}\n{_table(results, sizes)}\n\n![Publish request, publish-to-live and full-build speed]({plot.name})\n{END}"
    text = docs.read_text() if docs.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    docs.write_text(before + block + after)
