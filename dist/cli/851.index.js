export const id = 851;
export const ids = [851];
export const modules = {

/***/ 9851:
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
// EXTERNAL MODULE: ./src/core/evidence.ts + 1 modules
var evidence = __webpack_require__(7336);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 17 modules
var schemas = __webpack_require__(8816);
;// CONCATENATED MODULE: ./src/gates/rules/baseline.ts
/**
 * The rules baseline: hygiene and coverage findings that already exist on main, written once by
 * `npx release-safety baseline rules` to `.release-safety/rules-baseline.yml`:
 *
 *   version: 1
 *   baseline:
 *     - file: prometheus/rules/api.yml     # the rule file, repository-relative
 *       group: api                         # the rule group
 *       rule: ApiHighLatency               # the alert (or recording rule) name
 *       check: require-runbook             # which check found it
 *       reason: inherited, runbook being written   # optional, as are owner and expires (YYYY-MM-DD)
 *
 * An entry is matched by (file, group, rule, check), never by line, so edits elsewhere in the file
 * keep it matching. A second finding with the same four (an alert defined twice) carries
 * `occurrence: 2`, so a new copy of an alert is not hidden by the old one's entry.
 * Only hygiene and coverage findings can be baselined: invalid rules, failing rule tests and zero
 * rules are never accepted this way. The file is not the exceptions file (src/core/exceptions.ts):
 * that one needs an owner, a reason and an expiry for every entry, which a generated baseline of
 * what already exists cannot honestly fill in; here they are optional and kept when given.
 *
 * This module is pure (parse, match, write text); reading the file at the base commit is
 * baseline-load.ts.
 */



const DEFAULT_RULES_BASELINE = '.release-safety/rules-baseline.yml';
/** The checks whose findings may be baselined. */
const BASELINE_CHECKS = ['require-severity', 'require-summary', 'require-runbook', 'min-for', 'duplicate-alert', 'coverage'];
const HYGIENE_CHECKS = new Set(BASELINE_CHECKS.filter((c) => c !== 'coverage'));
/**
 * The stable identity of a finding: its file, group, rule name and check (a JSON array, so no
 * name can be mistaken for another however it is spelled), never its line.
 */
function rulesFingerprint(key) {
    return JSON.stringify([key.file, key.group, key.rule, key.check, ...(key.occurrence && key.occurrence > 1 ? [key.occurrence] : [])]);
}
function isBaselineCheck(check) {
    return BASELINE_CHECKS.includes(check ?? '');
}
const isoDate = schemas/* string */.YjP()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));
/** Each field: its schema and, for messages, the accepted form in this suite's words. */
const FIELDS = {
    file: { schema: schemas/* string */.YjP().min(1).max(1000), says: 'the rule file, relative to the repository root' },
    group: { schema: schemas/* string */.YjP().max(1000), says: 'the rule group name' },
    rule: { schema: schemas/* string */.YjP().min(1).max(1000), says: 'the alert or recording rule name' },
    check: {
        schema: schemas/* enum */.k5n(BASELINE_CHECKS),
        says: `one of ${BASELINE_CHECKS.join(', ')} (invalid rules, failing rule tests and zero rules are never baselined)`,
    },
    occurrence: { schema: schemas/* number */.aig().int().min(2).max(10_000), says: 'a whole number from 2 (the second finding with the same file, group, rule and check)' },
    reason: { schema: schemas/* string */.YjP().trim().min(3).max(1000), says: 'why the finding is accepted for now, in 3 to 1000 characters' },
    owner: { schema: schemas/* string */.YjP().trim().min(1).max(200), says: 'who owns the fix, a person or a team (at most 200 characters)' },
    expires: { schema: isoDate, says: 'a date in the form YYYY-MM-DD after which the entry no longer applies' },
};
const REQUIRED = ['file', 'group', 'rule', 'check'];
const FORM = `a mapping "version: 1" and "baseline:", a list of entries each with file, group, rule, check (and optionally occurrence, reason, owner, expires)`;
const topSchema = schemas/* strictObject */.rej({ version: schemas/* literal */.euz(1), baseline: schemas/* array */.YOg(schemas/* unknown */.L5J()).default([]) });
function lineOfKey(node, key, lineOf) {
    if (!(0,dist/* isMap */.jh)(node))
        return undefined;
    for (const pair of node.items) {
        const k = pair.key;
        if (k?.range && k.value === key)
            return lineOf(k.range[0]);
    }
    return undefined;
}
/** Parses a rules baseline; every problem is listed, each naming the key, the file and its line. */
function parseRulesBaseline(text, path) {
    const lineCounter = new dist/* LineCounter */.HN();
    const doc = (0,dist/* parseDocument */.Tp)(text, { lineCounter, prettyErrors: false });
    const lineOf = (offset) => lineCounter.linePos(offset).line;
    if (doc.errors.length > 0) {
        throw new errors/* ConfigurationError */.j1(`rules baseline ${path}:${lineOf(doc.errors[0].pos[0])} is not valid YAML: ${doc.errors[0].message.split('\n')[0]}; it must be ${FORM}`);
    }
    const data = doc.toJS();
    if (data === null || data === undefined)
        return [];
    const top = topSchema.safeParse(data);
    if (!top.success) {
        const issue = top.error.issues[0];
        const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : String(issue.path[0] ?? '');
        const line = key ? lineOfKey(doc.contents, key, lineOf) : undefined;
        throw new errors/* ConfigurationError */.j1(`rules baseline ${path}${line ? `:${line}` : ''}: ${key ? `key "${key}" is not in its form` : 'the file is not in its form'}: it must be ${FORM}`);
    }
    const seq = (0,dist/* isMap */.jh)(doc.contents) ? doc.contents.get('baseline', true) : undefined;
    const nodes = (0,dist/* isSeq */.oP)(seq) ? seq.items : [];
    const problems = [];
    const entries = [];
    const seen = new Map();
    top.data.baseline.forEach((raw, index) => {
        const node = nodes[index];
        const line = node?.range ? lineOf(node.range[0]) : 0;
        const where = `${path}:${line}`;
        if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
            problems.push(`${where}: the entry is not a mapping of keys`);
            return;
        }
        const record = raw;
        const before = problems.length;
        for (const key of Object.keys(record)) {
            if (!(key in FIELDS))
                problems.push(`${path}:${lineOfKey(node, key, lineOf) ?? line}: unknown key "${key}" (an entry has ${Object.keys(FIELDS).join(', ')})`);
        }
        for (const field of Object.keys(FIELDS)) {
            const value = field === 'expires' && record[field] instanceof Date ? record[field].toISOString().slice(0, 10) : record[field];
            if (value === undefined || value === null) {
                if (REQUIRED.includes(field))
                    problems.push(`${where}: key "${field}" is missing: ${FIELDS[field].says}`);
                continue;
            }
            if (!FIELDS[field].schema.safeParse(value).success)
                problems.push(`${path}:${lineOfKey(node, field, lineOf) ?? line}: key "${field}" must be ${FIELDS[field].says}`);
            else
                record[field] = value;
        }
        if (problems.length > before)
            return;
        const entry = { ...record, where };
        const fingerprint = rulesFingerprint(entry);
        const first = seen.get(fingerprint);
        if (first)
            problems.push(`${where}: repeats the entry at ${first}`);
        else
            seen.set(fingerprint, where);
        entries.push(entry);
    });
    if (problems.length === 1)
        throw new errors/* ConfigurationError */.j1(`rules baseline ${problems[0]}; it must be ${FORM}`);
    if (problems.length > 1)
        throw new errors/* ConfigurationError */.j1(`rules baseline ${path} has ${problems.length} problems: ${problems.join('; ')}. It must be ${FORM}`);
    return entries;
}
function keyOf(f) {
    if (!f.fingerprint || !isBaselineCheck(f.rule))
        return undefined;
    try {
        const [file, group, rule, check, occurrence] = JSON.parse(f.fingerprint);
        return { file, group, rule, check, ...(occurrence ? { occurrence } : {}) };
    }
    catch {
        return undefined;
    }
}
/** Numbers repeated fingerprints (occurrence 2, 3, ...) in finding order, so each finding has its own. */
function numberOccurrences(findings) {
    const count = new Map();
    return findings.map((f) => {
        if (!f.fingerprint || !isBaselineCheck(f.rule))
            return f;
        const n = (count.get(f.fingerprint) ?? 0) + 1;
        count.set(f.fingerprint, n);
        if (n === 1)
            return f;
        const key = keyOf(f);
        return { ...f, fingerprint: rulesFingerprint({ ...key, occurrence: n }) };
    });
}
/**
 * Applies the baseline (pure). A live entry turns its finding into a notice; an entry past its
 * `expires` day leaves the finding as it was and says so. `judged(file, check)` tells whether the
 * run looked for that check in that file (hygiene may be limited to the changed files): an entry
 * there that matched nothing is stale; elsewhere it is simply not looked at.
 */
function applyBaseline(findings, baseline, judged) {
    const numbered = numberOccurrences(findings);
    const byFingerprint = new Map((baseline?.entries ?? []).map((e) => [rulesFingerprint(e), e]));
    const used = new Set();
    const baselined = [];
    const current = [];
    const endOfDay = (d) => Date.parse(`${d}T00:00:00Z`) + 86_400_000;
    const out = numbered.map((f) => {
        const key = keyOf(f);
        if (!key || f.severity === 'notice')
            return f;
        current.push(key);
        const entry = byFingerprint.get(f.fingerprint);
        if (!entry)
            return f;
        used.add(entry);
        if (entry.expires && baseline.now.getTime() >= endOfDay(entry.expires)) {
            return { ...f, message: `${f.message} (its baseline entry at ${entry.where} expired on ${entry.expires}, so it counts again)` };
        }
        const shown = { ...f, severity: 'notice', message: `existing (baselined at ${entry.where}): ${f.message}` };
        baselined.push({ finding: shown, entry });
        return shown;
    });
    const stale = (baseline?.entries ?? []).filter((e) => !used.has(e) && judged(e.file, e.check));
    return { findings: out, baselined, stale, current };
}
/** Does a check run on every file (coverage), or only where hygiene ran? */
function isHygieneCheck(check) {
    return HYGIENE_CHECKS.has(check);
}
/**
 * A baseline file's text: `current` (sorted, so the file diffs well), each keeping the reason,
 * owner and expiry of the entry it matches in `previous`.
 */
function renderRulesBaseline(current, previous, header) {
    const before = new Map(previous.map((e) => [rulesFingerprint(e), e]));
    const seen = new Set();
    const entries = [...current]
        .filter((k) => !seen.has(rulesFingerprint(k)) && seen.add(rulesFingerprint(k)))
        .sort((a, b) => rulesFingerprint(a).localeCompare(rulesFingerprint(b)))
        .map((k) => {
        const was = before.get(rulesFingerprint(k));
        return {
            file: k.file,
            group: k.group,
            rule: k.rule,
            check: k.check,
            ...(k.occurrence ? { occurrence: k.occurrence } : {}),
            ...(was?.reason ? { reason: was.reason } : {}),
            ...(was?.owner ? { owner: was.owner } : {}),
            ...(was?.expires ? { expires: was.expires } : {}),
        };
    });
    const comment = [
        `# release-safety rules baseline: ${entries.length} hygiene/coverage finding(s) that already exist at ${header.commit.slice(0, 12)}, written ${header.date} by "npx release-safety baseline rules".`,
        '# The rules gate lists these as existing and does not fail on them; any other finding still fails. Fix one, then delete its entry.',
        '# Entries are matched by file, group, rule and check (not by line). Each may carry reason, owner and expires (YYYY-MM-DD).',
    ];
    return `${comment.join('\n')}\n${stringify({ version: 1, baseline: entries }, { lineWidth: 0 })}`;
}

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
        message: {
            text: `${f.rule}: ${f.description.replace(/\.+$/, '') || 'secret detected'}${f.commit ? ` (added in commit ${f.commit})` : ''}. Fingerprint: ${f.fingerprint}`,
        },
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
const reportEntry = schemas/* object */.Ikc({
    Fingerprint: schemas/* string */.YjP().min(1),
    Status: schemas/* enum */.k5n(['open', 'suppressed']),
    File: schemas/* string */.YjP(),
    RuleID: schemas/* string */.YjP(),
    StartLine: schemas/* number */.aig().int(),
});
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
    return {
        open: [...new Set(parsed.data.filter((e) => e.Status === 'open').map((e) => e.Fingerprint))],
        suppressed: parsed.data.filter((e) => e.Status === 'suppressed').length,
    };
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

// EXTERNAL MODULE: ./src/pipeline/action-meta.ts
var action_meta = __webpack_require__(4886);
// EXTERNAL MODULE: ./src/pipeline/child.ts + 25 modules
var child = __webpack_require__(5906);
// EXTERNAL MODULE: ./src/pipeline/config.ts
var pipeline_config = __webpack_require__(1794);
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
 *
 * `npx release-safety baseline rules [--out .release-safety/rules-baseline.yml] [--rules GLOBS]
 * [--tests GLOBS] [--config .github/release-safety.yml] [--promtool PATH]`: runs the shipped rules
 * action on the checkout with the inputs of the pipeline config (or the globs given) and writes
 * every hygiene and coverage finding into the rules baseline, which the rules gate reads the same
 * way (from the base commit on pull requests). Invalid rules, failing rule tests and zero rules
 * are never written: they still fail, and the command says so.
 */











const SCOPES = ['history', 'tree'];
/**
 * Runs a gate's bundle on the checkout and returns the file its `output` names, or undefined after
 * saying why when the gate did not judge (only a judged run, pass or fail, is a baseline).
 */
async function judgedFile(distDir, local, gate, inputs, output) {
    const run = await (0,child/* runBundle */.oS)({
        bundle: (0,external_node_path_.join)(distDir, gate, 'index.js'),
        name: gate,
        inputs,
        env: local.env,
        cwd: local.workspace,
        tempDir: (0,external_node_path_.join)(local.home, 'bundles'),
        node: process.execPath,
        timeoutMs: 60 * 60_000,
    });
    const status = run.outputs.status ?? 'error';
    const file = run.outputs[output] ?? '';
    if ((status !== 'pass' && status !== 'fail') || file === '' || !(0,external_node_fs_.existsSync)(file)) {
        process.stderr.write(`${run.log}\nrelease-safety: the ${gate} gate did not judge (status ${status}${run.timedOut ? ', timed out' : ''}), so no baseline was written\n`);
        return undefined;
    }
    return { file, outputs: run.outputs };
}
async function baselineCommand(args, distDir) {
    const gate = args[0];
    if (args.length === 0 || (gate !== 'secrets' && gate !== 'rules')) {
        throw new errors/* ConfigurationError */.j1(`baseline takes one gate: "release-safety baseline secrets" or "release-safety baseline rules" (got ${JSON.stringify(args.filter((a) => !a.startsWith('-')).join(' '))})`);
    }
    return gate === 'rules' ? baselineRules(args.slice(1), distDir) : baselineSecrets(args.slice(1), distDir);
}
async function baselineSecrets(args, distDir) {
    const { values, positionals } = (0,external_node_util_.parseArgs)({
        args,
        allowPositionals: true,
        options: { scope: { type: 'string' }, out: { type: 'string' }, gitleaks: { type: 'string' } },
        strict: true,
    });
    if (positionals.length > 0)
        throw new errors/* ConfigurationError */.j1(`baseline secrets takes no further argument (got ${JSON.stringify(positionals.join(' '))})`);
    const scope = values.scope ?? 'history';
    if (!SCOPES.includes(scope))
        throw new errors/* ConfigurationError */.j1(`--scope must be history (every commit reachable from HEAD) or tree (the working tree), got ${JSON.stringify(scope)}`);
    const local = (0,local_env/* localRunnerEnv */.v)(process.cwd(), undefined);
    try {
        const out = (0,external_node_path_.resolve)(local.workspace, values.out ?? '.gitleaksignore');
        const judged = await judgedFile(distDir, local, 'secrets', { scope, ...(values.gitleaks ? { 'gitleaks-path': (0,external_node_path_.resolve)(values.gitleaks) } : {}) }, 'report-path');
        if (judged === undefined)
            return 1;
        const report = judged.file;
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
/** The rules action's inputs from the pipeline config (gates.rules.with), when there is one. */
function configuredRulesInputs(local, distDir, config) {
    const shown = config ?? '.github/release-safety.yml';
    const path = (0,external_node_path_.resolve)(local.workspace, shown);
    if (!(0,external_node_fs_.existsSync)(path)) {
        if (config !== undefined)
            throw new errors/* ConfigurationError */.j1(`--config names ${shown}, which does not exist`);
        return {};
    }
    const root = (0,external_node_path_.dirname)(distDir);
    const parsed = (0,pipeline_config/* readConfig */.Xg)(path, shown, (0,pipeline_config/* buildConfigSchema */.A6)((0,action_meta/* readGateMetas */._m)(root), (0,action_meta/* readActionMeta */.S3)(root, 'evidence')));
    return Object.fromEntries(Object.entries(parsed.gates.rules?.with ?? {}).map(([k, v]) => [k, (0,pipeline_config/* inputString */.e5)(v)]));
}
async function baselineRules(args, distDir) {
    const options = {
        out: { type: 'string' },
        rules: { type: 'string' },
        tests: { type: 'string' },
        config: { type: 'string' },
        promtool: { type: 'string' },
    };
    const { values, positionals } = (0,external_node_util_.parseArgs)({ args, allowPositionals: true, options, strict: true });
    if (positionals.length > 0)
        throw new errors/* ConfigurationError */.j1(`baseline rules takes no further argument (got ${JSON.stringify(positionals.join(' '))})`);
    const local = (0,local_env/* localRunnerEnv */.v)(process.cwd(), undefined);
    try {
        const configured = configuredRulesInputs(local, distDir, values.config);
        const shown = values.out ?? configured.baseline ?? DEFAULT_RULES_BASELINE;
        const out = (0,external_node_path_.resolve)(local.workspace, shown);
        const inputs = {
            ...configured,
            ...(values.rules !== undefined ? { rules: values.rules } : {}),
            ...(values.tests !== undefined ? { tests: values.tests } : {}),
            ...(values.promtool !== undefined ? { 'promtool-path': values.promtool.includes('/') ? (0,external_node_path_.resolve)(values.promtool) : values.promtool } : {}),
            // The run reads the baseline being rewritten, so the entries it already has keep their owner and reason.
            baseline: (0,external_node_fs_.existsSync)(out) ? out : '',
            mode: 'block',
            'only-changed': 'false',
        };
        if (!inputs.rules)
            throw new errors/* ConfigurationError */.j1('baseline rules needs the rule files: give --rules "prometheus/rules/*.yml" (and --tests), or set gates.rules.with.rules in .github/release-safety.yml');
        const judged = await judgedFile(distDir, local, 'rules', inputs, 'baseline-path');
        if (judged === undefined)
            return 1;
        const candidates = judged.file;
        const text = (0,external_node_fs_.readFileSync)(candidates, 'utf8');
        const written = parseRulesBaseline(text, shown);
        const before = (0,external_node_fs_.existsSync)(out) ? parseRulesBaseline((0,external_node_fs_.readFileSync)(out, 'utf8'), shown) : [];
        const had = new Set(before.map(rulesFingerprint));
        const now = new Set(written.map(rulesFingerprint));
        const added = written.filter((e) => !had.has(rulesFingerprint(e))).length;
        const dropped = before.filter((e) => !now.has(rulesFingerprint(e))).length;
        (0,external_node_fs_.mkdirSync)((0,external_node_path_.dirname)(out), { recursive: true });
        (0,external_node_fs_.writeFileSync)(out, text);
        process.stdout.write(`${written.length} finding(s) in ${shown}: ${added} added, ${written.length - added} kept, ${dropped} stale removed. Commit it to the default branch.\n`);
        return unbaselinable(judged.outputs['evidence-path'] ?? '');
    }
    finally {
        (0,external_node_fs_.rmSync)(local.home, { recursive: true, force: true });
    }
}
/** 0, or 1 after naming the errors a baseline cannot take (invalid rules, failing rule tests): those must be fixed. */
function unbaselinable(evidencePath) {
    const record = evidence/* evidenceSchema */.jU.parse(JSON.parse((0,external_node_fs_.readFileSync)(evidencePath, 'utf8')));
    const left = record.findings.filter((f) => f.severity === 'error' && !BASELINE_CHECKS.includes(f.rule ?? ''));
    if (left.length === 0)
        return 0;
    const listed = left.slice(0, 10).map((f) => `  ${f.file ?? '(no file)'}${f.line ? `:${f.line}` : ''} ${f.rule ?? ''}: ${f.message.split('\n')[0]}`);
    process.stderr.write(`release-safety: ${left.length} finding(s) cannot be baselined (invalid rules and failing rule tests are never baselined); fix them:\n${listed.join('\n')}\n`);
    return 1;
}


/***/ })

};
