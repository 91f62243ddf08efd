"""Writes the benchmark's results into docs/benchmarks.md (between markers, so the prose
around them stays) and a plot next to it."""

from pathlib import Path

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [s["posts"] for s in results["sizes"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(sizes, [s["publish"]["p50_s"] for s in results["sizes"]], "o-", label="p50")
    left.plot(sizes, [s["publish"]["p95_s"] for s in results["sizes"]], "s-", label="p95")
    left.axhline(1.0, color="grey", linestyle=":", label="target (1 s)")
    left.set(xscale="log", xlabel="posts in the archive", ylabel="seconds", title="Publish to live", ylim=(0, None))
    left.legend()
    right.plot(sizes, [s["bake"]["pages_per_s"] for s in results["sizes"]], "o-", label="Samizdat full bake")
    hugo = [(s["posts"], s["hugo"]["pages_per_s"]) for s in results["sizes"] if s.get("hugo")]
    right.plot([n for n, _ in hugo], [v for _, v in hugo], "s-", label="Hugo")
    right.set(xscale="log", yscale="log", xlabel="posts in the archive", ylabel="pages per second",
              title="Full build")
    right.legend()
    fig.suptitle(f"{results['machine']['cpus']} CPUs, Python {results['machine']['python']}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _table(results, sizes):
    rows = [
        "| posts | publish p50 | publish p95 | pages per publish (median/max) | full bake | bake pages/s | bake peak RSS | Hugo pages/s | Hugo peak RSS | bake / Hugo |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in results["sizes"]:
        p, b, h = s["publish"], s["bake"], s.get("hugo")
        hugo = (
            f"{h['pages_per_s']:,.0f} ({h['pages']:,} pages) | {h['peak_rss_mb']:,} MB | {s['bake_vs_hugo']:.2f}"
            if h else "not measured | — | —"
        )
        rows.append(
            f"| {s['posts']:,} | {p['p50_s']:.2f} s | {p['p95_s']:.2f} s | "
            f"{p['pages_per_publish_median']:g} / {p['pages_per_publish_max']} | {b['pages']:,} pages in {b['seconds']:.1f} s | "
            f"{b['pages_per_s']:,.0f} | {b['peak_rss_mb']:,} MB | {hugo} |"
        )
    serving = results.get("serving") or {"skipped": "not measured in this run"}
    if "skipped" in serving:
        rows.append(f"\nServing: skipped — {serving['skipped']}.")
    else:
        rows.append(
            f"\nServing one baked post page (`wrk {serving['wrk']}` on loopback): `samizdat serve` "
            f"{serving['samizdat_rps']:,} requests/s, nginx {serving['nginx_rps']:,} requests/s — "
            f"ratio {serving['ratio']:.2f}."
        )
    rows.append(
        f"\np95 publish-to-live, largest / smallest archive: {results['publish_p95_ratio_largest_to_smallest']:.2f}."
        f"\n\nMachine: {results['machine']['cpus']} CPUs, {results['machine']['system']}, Python "
        f"{results['machine']['python']}. Reproduce with `make bench` "
        f"(`samizdat bench --sizes {','.join(map(str, sizes))}`)."
    )
    return "\n".join(rows)


def report_write(results, docs: Path, sizes):
    plot = docs.with_name("benchmarks.png")
    _plot(results, plot)
    block = f"{START}\n{_table(results, sizes)}\n\n![Publish-to-live and full-build speed]({plot.name})\n{END}"
    text = docs.read_text() if docs.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    docs.write_text(before + block + after)
