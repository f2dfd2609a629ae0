export const id = 360;
export const ids = [360];
export const modules = {

/***/ 1360:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  baselineCommand: () => (/* binding */ baselineCommand)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 17 modules
var schemas = __webpack_require__(8816);
;// CONCATENATED MODULE: ./src/gates/secrets/report.ts
/**
 * gitleaks' JSON report in, redacted findings out; .gitleaksignore, baseline and SARIF. Nothing
 * here ever keeps gitleaks' `Secret` or `Match` fields: they are dropped on parse.
 */



const num = schemas/* number */.aig().finite().catch(0);
const rawFinding = schemas/* object */.Ikc({
    RuleID: schemas/* string */.YjP(),
    Description: schemas/* string */.YjP().catch(''),
    StartLine: schemas/* number */.aig().int().catch(0),
    EndLine: schemas/* number */.aig().int().catch(0),
    StartColumn: schemas/* number */.aig().int().catch(0),
    EndColumn: schemas/* number */.aig().int().catch(0),
    File: schemas/* string */.YjP(),
    Commit: schemas/* string */.YjP().catch(''),
    Entropy: num,
    Tags: schemas/* array */.YOg(schemas/* string */.YjP()).nullable().catch([]),
    Fingerprint: schemas/* string */.YjP().catch(''),
})
    .passthrough();
/** Fields that hold the secret or the line around it when a report is not redacted. */
const SECRET_FIELDS = (/* unused pure expression or super */ null && (['Secret', 'Match', 'Line']));
/**
 * Parses a gitleaks JSON report; throws with what is wrong (the caller reports `error`). The
 * returned objects carry no Secret or Match field whatever the report held.
 */
function parseGitleaksReport(text) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch {
        throw new Error('the gitleaks report is not JSON');
    }
    if (data === null)
        return [];
    const parsed = z.array(rawFinding).safeParse(data);
    if (!parsed.success)
        throw new Error(`the gitleaks report is not in gitleaks' JSON format: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
    return parsed.data.map((f) => {
        const kept = { ...f };
        for (const field of SECRET_FIELDS)
            delete kept[field];
        return kept;
    });
}
function fingerprintOf(commit, file, rule, line) {
    return commit ? `${commit}:${file}:${rule}:${line}` : `${file}:${rule}:${line}`;
}
/** The commit-less form, which .gitleaksignore also accepts for a finding in any commit. */
function globalFingerprint(f) {
    return `${f.file}:${f.rule}:${f.startLine}`;
}
// ---- .gitleaksignore ------------------------------------------------------------------------
/** Fingerprints from a .gitleaksignore: one per line, `#` comments and blank lines skipped. */
function parseGitleaksIgnore(text) {
    const out = new Set();
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            continue;
        out.add(line);
    }
    return out;
}
function readGitleaksIgnore(path) {
    if (!existsSync(path))
        return new Set();
    return parseGitleaksIgnore(readFileSync(path, 'utf8'));
}
// ---- baseline -------------------------------------------------------------------------------
const baselineEntry = schemas/* object */.Ikc({
    RuleID: schemas/* string */.YjP(),
    File: schemas/* string */.YjP(),
    StartLine: schemas/* number */.aig().int(),
    Commit: schemas/* string */.YjP().optional().catch(''),
    Fingerprint: schemas/* string */.YjP().optional().catch(''),
})
    .passthrough();
/**
 * A baseline is an earlier gitleaks JSON report (or this gate's report-path file, which has the
 * same shape). Each entry names one finding by its fingerprint; entries without one are keyed
 * the same way gitleaks builds fingerprints.
 */
function readBaseline(path, input = 'baseline-path') {
    if (!existsSync(path))
        throw new ConfigurationError(`input "${input}" names ${path}, which does not exist: give a gitleaks JSON report (gitleaks ... --report-format json)`);
    return parseBaseline(readFileSync(path, 'utf8'), path, input);
}
/** A baseline's text; `where` names it in messages (a path, or a path at a commit). */
function parseBaseline(text, where, input = 'baseline-path') {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch {
        throw new ConfigurationError(`input "${input}": ${where} is not JSON: give a gitleaks JSON report (gitleaks ... --report-format json)`);
    }
    if (data === null)
        return new Set();
    const parsed = z.array(baselineEntry).safeParse(data);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ConfigurationError(`input "${input}": ${where} is not a gitleaks JSON report: entry ${issue?.path.join('.')} ${issue?.message}; expected a list of findings with RuleID, File, StartLine (Commit, Fingerprint)`);
    }
    return new Set(parsed.data.map((e) => (e.Fingerprint ? e.Fingerprint : fingerprintOf(e.Commit ?? '', e.File, e.RuleID, e.StartLine))));
}
/**
 * The normalised report: gitleaks' JSON field names (so it can be fed back as a baseline, to this
 * gate or to gitleaks), redacted by construction, plus the suppression that applied.
 */
function renderReport(findings) {
    const rows = findings.map((f) => ({
        RuleID: f.rule,
        Description: f.description,
        StartLine: f.startLine,
        EndLine: f.endLine,
        StartColumn: f.startColumn,
        EndColumn: f.endColumn,
        Match: 'REDACTED',
        Secret: 'REDACTED',
        File: f.file,
        Commit: f.commit,
        Entropy: f.entropy,
        Tags: f.tags,
        Fingerprint: f.fingerprint,
        Status: f.suppression ? 'suppressed' : 'open',
        ...(f.suppression ? { SuppressedBy: f.suppression } : {}),
    }));
    return `${JSON.stringify(rows, null, 2)}\n`;
}
function sarifUri(path) {
    return path.split('/').map(encodeURIComponent).join('/');
}
/** SARIF 2.1.0 for github/codeql-action/upload-sarif: open findings only, no secret text. */
function renderSarif(findings, toolVersion) {
    const open = findings.filter((f) => !f.suppression);
    const ruleIds = [...new Set(open.map((f) => f.rule))].sort();
    const rules = ruleIds.map((id) => {
        const description = open.find((f) => f.rule === id)?.description || id;
        return { id, name: id, shortDescription: { text: description }, defaultConfiguration: { level: 'error' }, properties: { tags: ['security', 'secret'] } };
    });
    const results = open.map((f) => ({
        ruleId: f.rule,
        ruleIndex: ruleIds.indexOf(f.rule),
        level: 'error',
        message: { text: `${f.rule}: ${f.description.replace(/\.+$/, '') || 'secret detected'}${f.commit ? ` (added in commit ${f.commit})` : ''}. Fingerprint: ${f.fingerprint}` },
        locations: [
            {
                physicalLocation: {
                    artifactLocation: { uri: sarifUri(f.file), uriBaseId: '%SRCROOT%' },
                    region: {
                        startLine: Math.max(1, f.startLine),
                        ...(f.endLine >= f.startLine ? { endLine: f.endLine } : {}),
                        ...(f.startColumn > 0 ? { startColumn: f.startColumn } : {}),
                        ...(f.endColumn > 0 && f.endLine === f.startLine && f.endColumn >= f.startColumn ? { endColumn: f.endColumn + 1 } : {}),
                    },
                },
            },
        ],
        partialFingerprints: { 'gitleaks/fingerprint/v1': f.fingerprint },
        ...(f.commit ? { properties: { commitSha: f.commit } } : {}),
    }));
    const sarif = {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [
            {
                tool: { driver: { name: 'gitleaks', semanticVersion: toolVersion || undefined, informationUri: 'https://github.com/gitleaks/gitleaks', rules } },
                automationDetails: { id: 'release-safety/secrets/' },
                results,
            },
        ],
    };
    return `${JSON.stringify(sarif, null, 2)}\n`;
}

;// CONCATENATED MODULE: ./src/gates/secrets/baseline.ts
/**
 * The baseline of findings that already exist on main, as `.gitleaksignore` lines: what
 * `npx release-safety baseline secrets` writes from a scan of the whole history (or the working
 * tree). The gate reads `.gitleaksignore` from the base commit on range scans (policy.ts), so once
 * the file is committed to main every pull request and every later history scan obeys it, while a
 * change cannot add to it for itself.
 */



/** What the baseline takes from the gate's report-path file (gitleaks field names plus Status). */
const reportEntry = schemas/* object */.Ikc({ Fingerprint: schemas/* string */.YjP().min(1), Status: schemas/* enum */.k5n(['open', 'suppressed']), File: schemas/* string */.YjP(), RuleID: schemas/* string */.YjP(), StartLine: schemas/* number */.aig().int() });
/**
 * The open findings' fingerprints of a report written by the secrets gate (its report-path
 * output), and how many findings were suppressed already (by .gitleaksignore, a baseline or an exception).
 */
function openFingerprints(text, where) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch {
        throw new errors/* ConfigurationError */.j1(`${where} is not JSON: expected the secrets gate's report (its report-path output)`);
    }
    const parsed = schemas/* array */.YOg(reportEntry).safeParse(data);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new errors/* ConfigurationError */.j1(`${where} is not the secrets gate's report: entry ${issue?.path.join('.') ?? '?'} is not in its form (Fingerprint, Status open or suppressed, File, RuleID, StartLine)`);
    }
    return { open: [...new Set(parsed.data.filter((e) => e.Status === 'open').map((e) => e.Fingerprint))], suppressed: parsed.data.filter((e) => e.Status === 'suppressed').length };
}
/**
 * `existing` (a .gitleaksignore's text, '' when there is none) with the fingerprints it does not
 * hold yet appended under one dated comment. Existing lines are kept as they are.
 */
function mergeIntoGitleaksIgnore(existing, fingerprints, header) {
    const present = parseGitleaksIgnore(existing);
    const added = fingerprints.filter((fp) => !present.has(fp));
    if (added.length === 0)
        return { text: existing, added };
    const block = [
        `# release-safety baseline: ${added.length} finding(s) that already exist (scope ${header.scope} at ${header.commit.slice(0, 12)}), written ${header.date} by "npx release-safety baseline secrets".`,
        '# Each line is a gitleaks fingerprint. A baselined secret is still a leaked secret: rotate it, then delete its line.',
        ...added,
    ];
    const separator = existing === '' ? '' : existing.endsWith('\n') ? '\n' : '\n\n';
    return { text: `${existing}${separator}${block.join('\n')}\n`, added };
}

// EXTERNAL MODULE: ./src/pipeline/child.ts + 3 modules
var child = __webpack_require__(1236);
// EXTERNAL MODULE: ./src/cli/local-env.ts
var local_env = __webpack_require__(2127);
;// CONCATENATED MODULE: ./src/cli/baseline.ts
/**
 * `npx release-safety baseline secrets [--scope history|tree] [--out .gitleaksignore] [--gitleaks PATH]`:
 * runs the shipped secrets action over the whole history (or the working tree) of the checkout,
 * the way the runner runs it, and writes the fingerprints of every finding it reports into
 * `.gitleaksignore` (existing lines kept). Committed to main, the file is what the gate reads from
 * the base commit on pull requests: the findings that already exist stop failing runs, new ones
 * still fail, and a change cannot add to the baseline for itself.
 */







const SCOPES = ['history', 'tree'];
async function baselineCommand(args, distDir) {
    const { values, positionals } = (0,external_node_util_.parseArgs)({ args, allowPositionals: true, options: { scope: { type: 'string' }, out: { type: 'string' }, gitleaks: { type: 'string' } }, strict: true });
    if (positionals.length !== 1 || positionals[0] !== 'secrets') {
        throw new errors/* ConfigurationError */.j1(`baseline takes one gate: "release-safety baseline secrets" (got ${JSON.stringify(positionals.join(' '))})`);
    }
    const scope = values.scope ?? 'history';
    if (!SCOPES.includes(scope))
        throw new errors/* ConfigurationError */.j1(`--scope must be history (every commit reachable from HEAD) or tree (the working tree), got ${JSON.stringify(scope)}`);
    const local = (0,local_env/* localRunnerEnv */.v)(process.cwd(), undefined);
    try {
        const out = (0,external_node_path_.resolve)(local.workspace, values.out ?? '.gitleaksignore');
        const run = await (0,child/* runBundle */.o)({
            bundle: (0,external_node_path_.join)(distDir, 'secrets', 'index.js'),
            name: 'secrets',
            inputs: { scope, ...(values.gitleaks ? { 'gitleaks-path': (0,external_node_path_.resolve)(values.gitleaks) } : {}) },
            env: local.env,
            cwd: local.workspace,
            tempDir: (0,external_node_path_.join)(local.home, 'bundles'),
            node: process.execPath,
            timeoutMs: 60 * 60_000,
        });
        const status = run.outputs.status ?? 'error';
        const report = run.outputs['report-path'] ?? '';
        // Only a judged scan (pass or fail) has a report; anything else is not a baseline.
        if ((status !== 'pass' && status !== 'fail') || report === '' || !(0,external_node_fs_.existsSync)(report)) {
            process.stderr.write(`${run.log}\nrelease-safety: the secrets scan did not judge (status ${status}${run.timedOut ? ', timed out' : ''}), so no baseline was written\n`);
            return 1;
        }
        const { open: fingerprints, suppressed } = openFingerprints((0,external_node_fs_.readFileSync)(report, 'utf8'), 'the secrets report');
        const existing = (0,external_node_fs_.existsSync)(out) ? (0,external_node_fs_.readFileSync)(out, 'utf8') : '';
        const merged = mergeIntoGitleaksIgnore(existing, fingerprints, { commit: local.headSha, scope, date: new Date().toISOString().slice(0, 10) });
        if (merged.added.length > 0)
            (0,external_node_fs_.writeFileSync)(out, merged.text);
        const shown = values.out ?? '.gitleaksignore';
        process.stdout.write(merged.added.length > 0
            ? `${merged.added.length} finding(s) written to ${shown} (${suppressed} already suppressed). Commit it to the default branch; rotate those secrets.\n`
            : `no finding to add: ${suppressed > 0 ? `the scan's ${suppressed} finding(s) are all suppressed already` : 'the scan found none'}\n`);
        return 0;
    }
    finally {
        (0,external_node_fs_.rmSync)(local.home, { recursive: true, force: true });
    }
}


/***/ })

};
