/**
 * GET /: a small self-contained page (no CDN: Apollo's hosted explorer cannot load offline) with
 * example operations and a form that POSTs them to /graphql.
 */
const EXAMPLES: [string, string][] = [
  ['Health and model', '{ health { ok backend clips segments version } model { name version isDemo } }'],
  [
    'Text search (hybrid)',
    '{ searchByText(query: "dog barking", first: 5) { totalCount hits { score similarity startSec endSec matchedTerms clip { id path } } pageInfo { hasNextPage endCursor } } }',
  ],
  [
    'Vector-only search with a filter',
    '{ searchByText(query: "rain", hybrid: false, filter: { maxDurationSec: 30, formats: ["wav"] }, first: 5) { hits { score clip { id name durationSec } } } }',
  ],
  ['Similar to clip 1', '{ similarTo(clip: "1", first: 5) { hits { similarity clip { id path } } } }'],
  [
    'Zero-shot classify clip 1',
    '{ classify(clip: "1", labels: ["dog", "rain", "speech", "music"]) { best { label score } scores { label score cosine } windows { startSec endSec best { label score } } } }',
  ],
  ['Library folders', '{ folders { path name clipCount } }'],
  ['Ingest runs', '{ ingestRuns(first: 5) { id root status processedFiles totalFiles failedFiles etaSec } }'],
  ['Start an ingest (needs the API key)', 'mutation { startIngest(path: "/path/to/sounds") { id status } }'],
];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function landingPage(version: string): string {
  const options = EXAMPLES.map(([t], i) => `<option value="${i}">${esc(t)}</option>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Earshot API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
textarea,pre{width:100%;box-sizing:border-box;font:13px ui-monospace,monospace}textarea{height:9em}pre{background:#f4f4f4;padding:1em;overflow:auto;max-height:28em}
input{width:22em}code{background:#f4f4f4;padding:0 .3em}</style></head><body>
<h1>Earshot API <small>${esc(version)}</small></h1>
<p>GraphQL at <code>POST /graphql</code>; query audio upload at <code>POST /upload</code> (raw body or multipart field <code>file</code>);
stored audio at <code>GET /audio/&lt;clipId&gt;</code> (range requests). Mutations need the API key
(<code>x-api-key</code> or <code>Authorization: Bearer</code>); without a configured key, only from this machine.</p>
<p><label>Example <select id="ex">${options}</select></label></p>
<textarea id="q"></textarea>
<p><label>Variables (JSON) <input id="v" value="{}"></label> <label>API key <input id="k" type="password"></label>
<button id="run">Run</button></p><pre id="out"></pre>
<script>
const ex=${JSON.stringify(EXAMPLES.map(([, q]) => q))};
const q=document.getElementById('q'),sel=document.getElementById('ex'),out=document.getElementById('out');
q.value=ex[0];sel.onchange=()=>{q.value=ex[+sel.value]};
document.getElementById('run').onclick=async()=>{out.textContent='…';
const h={'content-type':'application/json'};const k=document.getElementById('k').value;if(k)h['x-api-key']=k;
try{const r=await fetch('/graphql',{method:'POST',headers:h,body:JSON.stringify({query:q.value,variables:JSON.parse(document.getElementById('v').value||'{}')})});
out.textContent=JSON.stringify(await r.json(),null,2)}catch(e){out.textContent=String(e)}};
</script></body></html>`;
}
