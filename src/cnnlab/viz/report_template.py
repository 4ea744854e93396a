"""The report page: one HTML file, styles inline, images as data URIs, no scripts, no links.

Placeholders (``$name``) are filled by :mod:`cnnlab.viz.report` with already escaped HTML.
"""

from string import Template

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
         color: #222; padding: 0 1em; }
  h1 { margin-bottom: 0.2em; }
  h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
  .subtitle { color: #666; margin-top: 0; }
  table { border-collapse: collapse; font-size: 0.9em; }
  th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; }
  th { background: #f4f4f4; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
  .columns { display: flex; gap: 2em; flex-wrap: wrap; align-items: flex-start;
             margin-top: 1em; }
</style>
</head>
<body>
<h1>$title</h1>
<p class="subtitle">$subtitle</p>

<h2>Summary</h2>
$summary

<h2>Learning curves</h2>
$curves

<h2>$confusion_heading</h2>
<div class="columns">
<div>$confusion</div>
<div>$per_class</div>
</div>

<h2>First-layer filters</h2>
$filters

<h2>$mistakes_heading</h2>
$mistakes

<h2>Model</h2>
$layers

<h2>Configuration</h2>
$config
</body>
</html>
""")
