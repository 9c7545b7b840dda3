import { inlineScript, REPORT_CSS, type HtmlAssets } from '../report/html.js';

/**
 * The coordinator's dashboard, server-rendered: a form to start one of the
 * scenarios it offers, to change a running run's users (Locust's edit) and
 * to stop it; live charts and the report's tables as they stand
 * (thresholds, requests, checks, workers with their health, failures,
 * cluster events), fed by server-sent events from /api/events; the reports
 * to download once the run is over. Pure: assets in, HTML out.
 *
 * The page itself holds nothing secret and is served to anyone: it opens
 * with `/?token=…`, trades the token for a session id (POST /api/session),
 * keeps that in the tab's sessionStorage, drops the token from the address
 * bar, and sends the session in the x-volley-session header with every
 * call — never a cookie, which every port of the host would receive
 * (request-guard.ts). The form is filled from /api/dashboard.
 */
export function renderDashboard(assets: HtmlAssets): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Volley</title>
<style>${assets.uplotCss}${REPORT_CSS}
[hidden]{display:none!important}h1{font-size:20px;margin:0 0 12px}form{display:flex;flex-wrap:wrap;gap:10px;align-items:end;background:#f5f7fa;padding:12px;border-radius:6px}
label{display:flex;flex-direction:column;font-size:12px;color:#445}input,select{font:inherit;padding:4px 6px}
button{font:inherit;padding:6px 14px;cursor:pointer}#state{margin:12px 0;font-weight:600}#error{color:#b3261e}#downloads a{margin-right:12px}
</style></head>
<body>
<h1>Volley</h1>
<form id="start-form" hidden>
  <label>Scenario<select id="scenario"></select></label>
  <label>Users<input id="users" type="number" min="0"></label>
  <label>Spawn rate /s<input id="spawn-rate" type="number" min="0.1" step="any"></label>
  <label>Duration s<input id="run-time" type="number" min="1" placeholder="until stopped"></label>
  <label>Host<input id="host" size="32"></label>
  <label title="k6's options in the script (stages, scenarios) set the load; the fields above are used only when it has none"><span><input id="own-plan" type="checkbox"> the scenario's own plan</span></label>
  <button id="start" type="submit">Start</button>
  <button id="scale" type="button" title="the running run's users from now on, at this spawn rate (Locust's edit)">Change users</button>
  <button id="stop" type="button">Stop</button>
</form>
<div id="error"></div>
<div id="state">connecting…</div>
<p id="downloads"></p>
<div id="notes"></div>
<div id="chart-live"></div><div id="chart-users"></div>
<div id="sections"></div>
${inlineScript(assets.uplotJs)}
${inlineScript(assets.dashboardJs)}
</body></html>
`;
}
