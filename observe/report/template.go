package report

// pageHTML is the report page: inline style, inline SVG, no script, no
// external asset.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1000px;padding:16px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:8px 0 12px}
h2{font-size:17px;margin:28px 0 4px}
p.desc{margin:0 0 8px;color:#5a6375}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin:0;padding:0;list-style:none}
.stats li{border:1px solid #dde2ea;border-radius:6px;padding:6px 12px}
.stats b{display:block;font-size:18px}
svg.chart{width:100%;height:auto;display:block;font-size:11px;overflow:visible}
svg.chart text{fill:#3b4456}
.axis{stroke:#9aa3b2;stroke-width:1}
.grid{stroke:#e6e9ef;stroke-width:1}
.bar{fill:#4c78a8}
.line{fill:none;stroke:#d1495b;stroke-width:2}
.dot{fill:#d1495b}
.alert-volume,.alert-other{stroke:#f58518;stroke-width:2;stroke-dasharray:4 3}
.alert-silence{stroke:#7f7f7f;stroke-width:2;stroke-dasharray:2 2}
.alert-negativity{stroke:#8e2c9a;stroke-width:2;stroke-dasharray:4 3}
.intent{fill:#72b7b2}.intent-complaint{fill:#e45756}.intent-crisis{fill:#9d1c1c}.intent-praise{fill:#54a24b}.intent-question{fill:#4c78a8}.intent-spam{fill:#bab0ac}
.prio{fill:#9ecae9}.prio-p1{fill:#b2182b}.prio-p2{fill:#ef8a62}.prio-p3{fill:#fddbc7}.prio-p4{fill:#d1e5f0}
.sla0{fill:#54a24b}.sla1{fill:#eeca3b}.sla2{fill:#e45756}.sla3{fill:#bab0ac}
.author{fill:#4c78a8}.author-detractor{fill:#e45756}.author-advocate{fill:#54a24b}
.legend{display:flex;gap:14px;margin:4px 0 0;padding:0;list-style:none}
.legend span{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.legend .sla0{background:#54a24b}.legend .sla1{background:#eeca3b}.legend .sla2{background:#e45756}.legend .sla3{background:#bab0ac}
table{border-collapse:collapse;width:100%;margin-top:8px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e6e9ef;vertical-align:top}
td.num,th.num{text-align:right}
.empty{color:#8a93a3;font-style:italic}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<ul class="stats">{{range .Stats}}<li>{{.Label}}<b>{{.Value}}</b></li>{{end}}</ul>
{{if .Bucket}}<p class="desc">Time buckets of {{.Bucket}}.</p>{{end}}
{{template "time" .Volume}}
{{template "time" .Negative}}
{{template "bars" .Intent}}
{{template "bars" .Priority}}
{{template "bars" .SLA}}
{{template "bars" .Authors}}
{{if .Top}}<table id="author-table"><thead><tr><th>Author</th><th>Source</th><th class="num">Influence</th><th>Standing</th><th class="num">Bot</th><th class="num">Posts</th></tr></thead><tbody>
{{range .Top}}<tr><td>{{.Name}}</td><td>{{.Source}}</td><td class="num">{{.Influence}}</td><td>{{.Standing}}</td><td class="num">{{.Bot}}</td><td class="num">{{.Posts}}</td></tr>
{{end}}</tbody></table>{{end}}
<h2>Alerts</h2>
{{if .Alerts}}<table id="alerts"><thead><tr><th>At (UTC)</th><th>Key</th><th>Kind</th><th class="num">Score</th><th class="num">Observed</th><th class="num">Expected</th><th>Reasons</th></tr></thead><tbody>
{{range .Alerts}}<tr><td>{{.At}}</td><td>{{.Key}}</td><td>{{.Kind}}{{if .Escalation}} (escalation){{end}}</td><td class="num">{{.Score}}</td><td class="num">{{.Observed}}</td><td class="num">{{.Expected}}</td><td>{{.Reasons}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="empty">No alerts.</p>{{end}}
</body>
</html>
{{define "time"}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
<p class="desc">{{.Desc}}</p>
{{if .Empty}}<p class="empty">No dated posts.</p>{{else}}<svg class="chart" id="{{.ID}}-chart" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}" xmlns="http://www.w3.org/2000/svg">
{{range .YTicks}}<line class="grid" x1="{{$.X0}}" x2="{{$.X1}}" y1="{{.Y}}" y2="{{.Y}}"></line><text x="{{.X}}" y="{{.Y}}" text-anchor="end" dominant-baseline="middle">{{.Label}}</text>
{{end}}<line class="axis" x1="{{.X0}}" x2="{{.X1}}" y1="{{.Y1}}" y2="{{.Y1}}"></line>
{{range .XTicks}}<text x="{{.X}}" y="{{.Y}}">{{.Label}}</text>
{{end}}{{range .Bars}}<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>
{{end}}{{if .Path}}<path class="line" d="{{.Path}}"></path>
{{end}}{{range .Dots}}<circle class="{{.Class}}" cx="{{.X}}" cy="{{.Y}}" r="2.5"><title>{{.Title}}</title></circle>
{{end}}{{range .Markers}}<line class="marker {{.Class}}" x1="{{.X}}" x2="{{.X}}" y1="{{.Y1}}" y2="{{.Y2}}"><title>{{.Title}}</title></line>
{{end}}</svg>{{end}}
</section>{{end}}
{{define "bars"}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
<p class="desc">{{.Desc}}</p>
{{if .Empty}}<p class="empty">Nothing to show.</p>{{else}}<svg class="chart" id="{{.ID}}-chart" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}" xmlns="http://www.w3.org/2000/svg">
{{range .Rows}}<text x="0" y="{{.TextY}}">{{.Label}}</text>{{$row := .}}{{range .Segs}}<rect class="{{.Class}}" x="{{.X}}" y="{{$row.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>{{end}}<text x="{{$.W}}" y="{{.TextY}}" text-anchor="end">{{.Value}}</text>
{{end}}</svg>{{if .Legend}}<ul class="legend">{{range .Legend}}<li><span class="{{.Class}}"></span>{{.Label}}</li>{{end}}</ul>{{end}}{{end}}
</section>{{end}}`
