// Issue 26's figures: each hot call beside the same hops written bare (bench/bare-chain.js: node:http + jose,
// one nats.js request, a raw queue subscriber in a second process running the services' SQL through pg),
// measured in this run, interleaved (A B A B), each with throughput, p50, p99 and CPU milliseconds per
// request summed over every process involved (from /proc: the apps or the bare pair, the PostgreSQL backends
// serving them, the private nats-server, the object store's process). HTTP load comes from autocannon; its
// own ceiling is measured first. BENCH_HOTPATH_FLOORS=1 adds issue 11's figures (the call beside the bare
// SQL or object work it cannot avoid, run from this process) and the replica scaling.
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { wavFile, multipartMixed } = require('./wav');
const { combine, cpuWindow, round } = require('./lib');

const READS = 32; // concurrency of the read figures (issue 11)
const WRITES = 8; // concurrency of the write figures: a burst of provisioning or of deposits

/** A trivial HTTP server in its own process: what the load generator alone can drive on this machine. */
async function generatorCeiling(ctx) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, r) => { r.setHeader('content-type', 'application/json'); r.end('{"ok":true}'); })
         .listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const port = await new Promise((resolve, reject) => {
      child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
      child.once('exit', () => reject(new Error('trivial server exited')));
    });
    return await ctx.load(`http://127.0.0.1:${port}`, { method: 'GET', path: '/' }, { connections: READS });
  } finally {
    child.kill();
  }
}

/** Floor tables shaped like the services' own (columns, defaults, indexes), so floors have no side effects. */
async function floorTables(pg) {
  await pg.query('DROP SCHEMA IF EXISTS bench_floor CASCADE');
  await pg.query('CREATE SCHEMA bench_floor');
  for (const [schema, table] of [
    ['mailbox', 'users'],
    ['mailbox', 'vmboxes'],
    ['mailbox', 'outbox'],
    ['message', 'messages'],
    ['message', 'box_counters'],
    ['message', 'outbox'],
  ]) {
    await pg.query(
      `CREATE TABLE bench_floor.${schema}_${table} (LIKE ${schema}.${table} INCLUDING DEFAULTS INCLUDING INDEXES)`,
    );
  }
}

/** `work(client, i)` inside BEGIN/COMMIT on a pooled client. */
const inTransaction = (pg, work) => async (i) => {
  const c = await pg.connect();
  try {
    await c.query('BEGIN');
    await work(c, i);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK');
    throw e;
  } finally {
    c.release();
  }
};

const outboxRow = (c, schema, subject, envelope) =>
  c.query(
    `INSERT INTO bench_floor.${schema}_outbox (id, subject, envelope) VALUES (gen_random_uuid(), $1, $2)`,
    [subject, JSON.stringify(envelope)],
  );

const ROUNDS = 2; // A B A B: the Voxmail call and its bare chain alternate, so a burst of load elsewhere hits both
const BARE = 'voxmail-bench-bare'; // the bare worker's application_name in pg_stat_activity

/** Starts bench/bare-chain.js in `role`; resolves with its first stdout line (JSON) and a stop(). */
async function startBare(role, env) {
  const child = spawn(process.execPath, [path.join(__dirname, 'bare-chain.js'), role], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bare ${role} did not start in 30 s`)), 30000);
    child.stdout.once('data', (d) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(d).split('\n')[0]));
    });
    child.once('exit', (code) => reject(new Error(`bare ${role} exited (${code})`)));
  });
  return { ...info, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

/** The processes each chain's CPU is summed over (asked at the start and at the end of every round). */
function cpuGroups(ctx, probe, bare) {
  const backends = async () => {
    const { rows } = await probe.query(
      `SELECT pid, application_name FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    return {
      voxmail: rows.filter((r) => r.application_name !== BARE).map((r) => r.pid),
      bare: rows.filter((r) => r.application_name === BARE).map((r) => r.pid),
    };
  };
  const shared = { 'nats-server': [ctx.natsPid].filter(Boolean), s3: [ctx.s3Pid].filter(Boolean) };
  return {
    voxmail: async () => ({
      ...Object.fromEntries(Object.entries(ctx.appPids()).map(([n, pid]) => [n, [pid]])),
      postgres: (await backends()).voxmail,
      ...shared,
    }),
    bare: async () => ({
      'bare-gateway': [bare.gateway.pid],
      'bare-worker': [bare.worker.pid],
      postgres: (await backends()).bare,
      ...shared,
    }),
  };
}

/** Rounds of one chain pooled: latencies combined, CPU summed and divided by the requests answered. */
function pooled(ctx, rounds) {
  const s = combine(rounds.map((r) => r.load));
  const by = {};
  let total = 0;
  for (const { cpu } of rounds) {
    total += cpu.total_ms;
    for (const [k, ms] of Object.entries(cpu.by_process_ms)) by[k] = (by[k] ?? 0) + ms;
  }
  const per = (ms) => round(ms / s.requests);
  return {
    ...s,
    cpu_ms_per_request: per(total),
    cpu_ms_per_request_by_process: Object.fromEntries(Object.entries(by).map(([k, ms]) => [k, per(ms)])),
  };
}

/** BENCH_HOTPATH_ONLY=deposit (a comma list of account, vmboxes, deposit, messages): those figures only. */
const only = process.env.BENCH_HOTPATH_ONLY?.split(',');

/** One figure: warm both chains, then ROUNDS of (Voxmail, bare), each a timed load with its CPU window. */
async function interleaved(ctx, groups, { real, bare, opts, part }) {
  if (only && !only.includes(part)) return undefined;
  const warm = { ...opts, seconds: 1, warmupSeconds: 0 };
  await ctx.load(ctx.baseUrl, real, warm);
  await ctx.load(bare.url, bare.request, warm);
  const out = { voxmail: [], bare: [] };
  for (let k = 0; k < ROUNDS; k++) {
    for (const [side, url, request] of [
      ['voxmail', ctx.baseUrl, real],
      ['bare', bare.url, bare.request],
    ]) {
      const stop = await cpuWindow(groups[side]);
      const load = await ctx.load(url, request, { ...opts, warmupSeconds: 0 });
      out[side].push({ load, cpu: await stop() });
    }
  }
  return { voxmail: pooled(ctx, out.voxmail), bare: pooled(ctx, out.bare) };
}

/** The figure beside its bare chain, with the issue's goal and whether this run meets it. */
function againstBare(ctx, name, via, bareVia, r, goal, extra = {}) {
  if (!r) return undefined;
  const cpuRatio = round(r.voxmail.cpu_ms_per_request / r.bare.cpu_ms_per_request);
  const met = r.voxmail.rps / r.bare.rps >= goal.rps && (goal.cpu === undefined || cpuRatio <= goal.cpu);
  return ctx.figure(name, via, r.voxmail, bareVia, r.bare, {
    ratio_cpu_ms_per_request: cpuRatio,
    goal: goal.text,
    met,
    ...extra,
  });
}

module.exports = {
  name: 'hotpath',
  async run(ctx) {
    const { measure, load, figure, pg, s3, baseUrl } = ctx;
    const figures = [];
    const ceiling = await generatorCeiling(ctx);
    figures.push({
      figure: 'load_generator_ceiling',
      via: 'autocannon (this process) → a trivial node:http server in its own process',
      ...ceiling,
    });
    ctx.log(`load generator ceiling ${ceiling.rps} rps`);
    await floorTables(pg);

    const t = await ctx.createTenant();
    const auth = { 'X-Auth-Token': t.token };
    const json = { ...auth, 'Content-Type': 'application/json' };
    const acct = `/v2/accounts/${t.accountId}`;

    const bareEnv = {
      ...ctx.gatewayEnv,
      BARE_DATABASE_URL: ctx.databaseUrl,
      S3_ENDPOINT: ctx.s3Settings.endpoint,
      S3_ACCESS_KEY: ctx.s3Settings.accessKey,
      S3_SECRET_KEY: ctx.s3Settings.secretKey,
      S3_BUCKET: ctx.s3Settings.bucket,
      S3_REGION: ctx.s3Settings.region,
    };
    for (const k of ['NODE_OPTIONS', 'BENCH_CPU_PROFILE', 'BENCH_APP_NAME']) delete bareEnv[k];
    const bare = {
      worker: await startBare('worker', bareEnv),
      gateway: await startBare('gateway', bareEnv),
    };
    const { Client } = require('pg');
    const probe = new Client({ connectionString: ctx.databaseUrl, application_name: 'voxmail-bench-probe' });
    await probe.connect();
    try {
      const bareUrl = `http://127.0.0.1:${bare.gateway.port}`;
      const groups = cpuGroups(ctx, probe, bare);
      const bareVia =
        'bare: node:http + jose → one nats.js request → raw nats.js queue subscriber (2nd process) → pg';
      const issue = (rps, more = '') => ({ rps, text: `≥ ${rps} of the bare chain's throughput${more}` });
      /** `real` through Voxmail beside `bare` (the same by default) through the bare chain, interleaved. */
      const versusBare = async ({ name, via, floor, real, bare = real, opts, goal, extra, part }) => {
        const r = await interleaved(ctx, groups, { real, bare: { url: bareUrl, request: bare }, opts, part });
        if (r) figures.push(againstBare(ctx, name, via, `${bareVia}: ${floor}`, r, goal, extra));
        return r;
      };

      // --- GET account
      const account = { method: 'GET', path: acct, headers: auth };
      const acc = await versusBare({
        name: 'get_account',
        via: 'HTTP → gateway → NATS → mailbox-service → PostgreSQL',
        floor: 'the account SELECT',
        real: account,
        opts: { connections: READS, seconds: 3 },
        part: 'account',
        goal: { ...issue(0.7, '; CPU per request ≤ 1.5×'), cpu: 1.5 },
      });
      // p99 at half of Voxmail's own maximum: a paced load (autocannon overallRate) at rps/2
      const halfRate = Math.max(1, Math.floor((acc?.voxmail.rps ?? 0) / 2));
      const atHalf =
        acc && (await load(baseUrl, account, { connections: READS, overallRate: halfRate, seconds: 4 }));
      if (atHalf)
        figures.push({
          figure: 'get_account_at_half_max',
          via: `the same GET paced at ${halfRate} requests/s (half of this run's maximum)`,
          ...atHalf,
          goal: 'p99 < 25 ms',
          met: atHalf.p99_ms < 25,
        });

      // --- PUT vmboxes (create)
      let number = 300000;
      const createBox = (i) => ({
        method: 'PUT',
        path: `${acct}/vmboxes`,
        headers: { ...json },
        body: JSON.stringify({
          data: { name: `Bench ${i}`, mailbox: String(number++), timezone: 'Europe/Paris' },
        }),
      });
      await versusBare({
        name: 'put_vmbox',
        via: 'HTTP → gateway → NATS → mailbox-service → PostgreSQL (box + outbox event)',
        floor: 'account SELECT, quota lock + count, box INSERT + outbox INSERT in one transaction',
        real: createBox,
        opts: { connections: WRITES, seconds: 3, expectStatus: 201 },
        part: 'vmboxes',
        goal: issue(0.5),
      });

      // --- POST vmboxes/{b} (update): WRITES boxes each side, requests spread over them
      const boxesOf = async (base) => {
        const ids = [];
        for (let k = 0; k < WRITES; k++) {
          const mailbox = String(400000 + k + (base === bareUrl ? 1000 : 0));
          const body = JSON.stringify({ data: { name: `Upd ${k}`, mailbox } });
          // (autocannon adds a content-length to the headers objects it is given: each request has its own)
          for (let attempt = 1; ; attempt++) {
            try {
              const res = await fetch(`${base}${acct}/vmboxes`, {
                method: 'PUT',
                headers: { ...json },
                body,
              });
              const answer = await res.json();
              if (res.status !== 201) throw new Error(`PUT vmboxes: ${res.status} ${JSON.stringify(answer)}`);
              ids.push({ id: answer.data.id, mailbox });
              break;
            } catch (e) {
              ctx.log(`PUT vmboxes on ${base} (attempt ${attempt}): ${e.message} ${e.cause?.message ?? ''}`);
              if (attempt >= 3) throw e;
              await new Promise((r) => setTimeout(r, 500));
            }
          }
        }
        return ids;
      };
      const updateOf = (boxes) => (i) => {
        const b = boxes[i % boxes.length];
        return {
          method: 'POST',
          path: `${acct}/vmboxes/${b.id}`,
          headers: { ...json },
          body: JSON.stringify({
            data: { name: `Updated ${i}`, mailbox: b.mailbox, timezone: 'Europe/Paris' },
          }),
        };
      };
      await versusBare({
        name: 'post_vmbox',
        via: 'HTTP → gateway → NATS → mailbox-service → PostgreSQL (box + outbox event)',
        floor: 'account SELECT, box SELECT FOR UPDATE, UPDATE + outbox INSERT in one transaction',
        real: updateOf(await boxesOf(baseUrl)),
        bare: updateOf(await boxesOf(bareUrl)),
        opts: { connections: WRITES, seconds: 3 },
        part: 'vmboxes',
        goal: issue(0.5),
      });

      // --- message deposit, multipart/mixed, 30 s WAV
      const wav = wavFile(30);
      const depositBox = (
        await ctx.request('PUT', `${acct}/vmboxes`, {
          token: t.token,
          body: { data: { name: 'bare deposits', mailbox: '101' } },
        })
      ).body.data.id;
      const depositReq = (i) => {
        const mp = multipartMixed({ data: { caller_id_number: String(1000 + i), from: `${i}@bench` } }, wav);
        return {
          method: 'PUT',
          path: `${acct}/vmboxes/${depositBox}/messages`,
          headers: { ...auth, 'Content-Type': mp.contentType },
          body: mp.body,
        };
      };
      const deposited = await versusBare({
        name: 'deposit_multipart_30s_wav',
        via: 'HTTP multipart/mixed → gateway → object store, media + message commands → PostgreSQL + events',
        floor:
          'the audio part streamed to the object store (minio client), then box SELECT and message + counter + outbox INSERT in one transaction',
        real: depositReq,
        opts: { connections: WRITES, seconds: 5, expectStatus: 201 },
        part: 'deposit',
        goal: issue(0.5, ' (streams the part to the object store, inserts the row with its outbox event)'),
        extra: { wav_bytes: wav.length },
      });

      // --- GET messages, first page of 50, of the box the deposits filled
      for (
        let i = deposited?.voxmail.requests ?? 0;
        only && !only.includes('messages') ? false : i < 51;
        i++
      ) {
        const r = depositReq(i);
        await ctx.request('PUT', r.path, {
          token: t.token,
          headers: { 'Content-Type': r.headers['Content-Type'] },
          raw: r.body,
        });
      }
      const page = { method: 'GET', path: `${acct}/vmboxes/${depositBox}/messages`, headers: auth };
      await versusBare({
        name: 'list_messages_first_page',
        via: 'HTTP → gateway → NATS → message-service → PostgreSQL',
        floor: 'box + account SELECT, the keyset page (51 rows)',
        real: page,
        opts: { connections: READS, seconds: 3 },
        part: 'messages',
        goal: issue(0.5),
        extra: { messages_in_box: Math.max(deposited?.voxmail.requests ?? 0, 51) },
      });
    } finally {
      await probe.end().catch(() => undefined);
      bare.gateway.stop();
      bare.worker.stop();
    }

    if (process.env.BENCH_HOTPATH_FLOORS) {
      // --- GET account: the call cannot avoid one primary-key SELECT
      const getAccount = { method: 'GET', path: acct, headers: auth };
      const getVia = await load(baseUrl, getAccount, { connections: READS });
      const getFloor = await measure(
        () => pg.query('SELECT * FROM mailbox.accounts WHERE id = $1 AND deleted_at IS NULL', [t.accountId]),
        { concurrency: READS },
      );
      figures.push(
        figure(
          'get_account',
          'HTTP → gateway → NATS → mailbox-service → PostgreSQL',
          getVia,
          'one primary-key SELECT of the account',
          getFloor,
        ),
      );

      // p99 at half of the measured maximum: a paced load (autocannon overallRate) at rps/2
      const half = Math.max(1, Math.floor(getVia.rps / 2));
      const getHalf = await load(baseUrl, getAccount, { connections: READS, overallRate: half });
      figures.push({
        figure: 'get_account_at_half_max',
        via: `the same GET paced at ${half} requests/s`,
        ...getHalf,
        goal: 'p99 < 25 ms',
        met: getHalf.p99_ms < 25,
      });

      // --- PUT user: the inserts (user + its event) in one transaction
      const putUserVia = await load(
        baseUrl,
        (i) => ({
          method: 'PUT',
          path: `${acct}/users`,
          headers: json,
          body: JSON.stringify({
            data: {
              first_name: `Bench${i}`,
              last_name: 'User',
              username: `bench-${randomBytes(6).toString('hex')}`,
            },
          }),
        }),
        { connections: WRITES, expectStatus: 201 },
      );
      let floorSipId = 0; // measure() numbers its warm-up and its run from 0 each: a counter of its own
      const putUserFloor = await measure(
        inTransaction(pg, async (c, i) => {
          const id = randomBytes(16).toString('hex');
          const username = `floor-${randomBytes(6).toString('hex')}`;
          const doc = { first_name: `Floor${i}`, last_name: 'User', username, priv_level: 'user' };
          await c.query(
            // sip_id: the real table's trigger numbers users per account (a counter row); the copy has no trigger
            `INSERT INTO bench_floor.mailbox_users (id, account_id, username_lower, priv_level, doc, version, sip_id) VALUES ($1, $2, $3, 'user', $4, 1, $5)`,
            [id, t.accountId, username, JSON.stringify(doc), ++floorSipId],
          );
          await outboxRow(c, 'mailbox', `voxmail.evt.${t.accountId}.user.created`, { id, data: doc });
        }),
        { concurrency: WRITES },
      );
      figures.push(
        figure(
          'put_user',
          'HTTP → gateway → NATS → mailbox-service → PostgreSQL (user + outbox event)',
          putUserVia,
          'user INSERT + outbox INSERT in one transaction',
          putUserFloor,
        ),
      );

      // --- PUT vmbox: the inserts (box + its event) in one transaction
      let mailbox = 200000;
      const putBoxVia = await load(
        baseUrl,
        (i) => ({
          method: 'PUT',
          path: `${acct}/vmboxes`,
          headers: json,
          body: JSON.stringify({
            data: { name: `Bench ${i}`, mailbox: String(mailbox++), timezone: 'Europe/Paris' },
          }),
        }),
        { connections: WRITES, expectStatus: 201 },
      );
      const putBoxFloor = await measure(
        inTransaction(pg, async (c, i) => {
          const id = randomBytes(16).toString('hex');
          const doc = { name: `Floor ${i}`, mailbox: String(i), timezone: 'Europe/Paris' };
          await c.query(
            `INSERT INTO bench_floor.mailbox_vmboxes (id, account_id, mailbox, type, members, doc, version) VALUES ($1, $2, $3, 'personal', '{}', $4, 1)`,
            [id, t.accountId, `${i}-${id}`, JSON.stringify(doc)],
          );
          await outboxRow(c, 'mailbox', `voxmail.evt.${t.accountId}.vmbox.created`, { id, data: doc });
        }),
        { concurrency: WRITES },
      );
      figures.push(
        figure(
          'put_vmbox',
          'HTTP → gateway → NATS → mailbox-service → PostgreSQL (box + outbox event)',
          putBoxVia,
          'vmbox INSERT + outbox INSERT in one transaction',
          putBoxFloor,
        ),
      );

      // --- list vmboxes: a page of 50 of the boxes just created
      const listBoxesVia = await load(
        baseUrl,
        { method: 'GET', path: `${acct}/vmboxes?page_size=50`, headers: auth },
        { connections: READS },
      );
      const listBoxesFloor = await measure(
        () =>
          pg.query(
            `SELECT b.*, c.new_count, c.saved_count FROM mailbox.vmboxes b
               LEFT JOIN mailbox.vmbox_message_counts c ON c.vmbox_id = b.id
              WHERE b.account_id = $1 ORDER BY b.seq DESC, b.id DESC LIMIT 51`,
            [t.accountId],
          ),
        { concurrency: READS },
      );
      figures.push(
        figure(
          'list_vmboxes_page_50',
          'HTTP → gateway → NATS → mailbox-service → PostgreSQL',
          listBoxesVia,
          'the keyset page (51 rows) with its message counts in one SELECT',
          listBoxesFloor,
          { boxes_in_account: mailbox - 200000 },
        ),
      );

      // --- message deposit: multipart/mixed, JSON + a 30 s WAV
      const wav30 = wavFile(30);
      const box = (
        await ctx.request('PUT', `${acct}/vmboxes`, {
          token: t.token,
          body: { data: { name: 'deposits', mailbox: '100' } },
        })
      ).body.data.id;
      const depositVia = await load(
        baseUrl,
        (i) => {
          const mp = multipartMixed(
            { data: { caller_id_number: String(1000 + i), from: `${i}@bench` } },
            wav30,
          );
          return {
            method: 'PUT',
            path: `${acct}/vmboxes/${box}/messages`,
            headers: { ...auth, 'Content-Type': mp.contentType },
            body: mp.body,
          };
        },
        // a deposit takes hundreds of milliseconds: a longer window, so the figure is not a handful of calls
        { connections: WRITES, expectStatus: 201, seconds: 8 },
      );
      // the floor's own objects, by name (listing the bucket is not the floor's work, and the embedded
      // store's listing can fail under a large bucket)
      const floorObjects = [];
      const depositFloor = await measure(
        async (i) => {
          const id = randomBytes(16).toString('hex');
          floorObjects.push(`bench-floor/${id}`);
          await s3.client.putObject(s3.bucket, `bench-floor/${id}`, wav30, wav30.length, {
            'Content-Type': 'audio/wav',
          });
          await inTransaction(pg, async (c) => {
            const doc = { caller_id_number: String(i), length: 30000, media_id: id };
            await c.query(
              `INSERT INTO bench_floor.message_messages (tenant_id, id, vmbox_id, folder, ts, doc, media, version)
               VALUES ($1, $2, $3, 'new', $4, $5, $6, 1)`,
              [t.accountId, id, box, 63900000000 + i, JSON.stringify(doc), JSON.stringify({ key: id })],
            );
            await c.query(
              `INSERT INTO bench_floor.message_box_counters AS b (tenant_id, vmbox_id, new_count) VALUES ($1, $2, 1)
               ON CONFLICT (tenant_id, vmbox_id) DO UPDATE SET new_count = b.new_count + 1`,
              [t.accountId, box],
            );
            await outboxRow(c, 'message', `voxmail.evt.${t.accountId}.message.deposited`, { id, data: doc });
          })();
        },
        { concurrency: WRITES, seconds: 8 },
      );
      figures.push(
        figure(
          'deposit_multipart_30s_wav',
          'HTTP multipart/mixed → gateway (streamed to a presigned PUT) → media commit → message insert + events',
          depositVia,
          'object PUT of the same WAV, then message + counter + outbox INSERT in one transaction',
          depositFloor,
          { wav_bytes: wav30.length },
        ),
      );

      // --- list messages: the first page (50) of the box just filled
      const [{ n: deposited }] = (
        await pg.query(
          'SELECT count(*)::int AS n FROM message.messages WHERE tenant_id = $1 AND vmbox_id = $2',
          [t.accountId, box],
        )
      ).rows;
      for (let i = deposited; i < 51; i++) {
        const mp = multipartMixed({ data: { caller_id_number: String(i) } }, wav30);
        await ctx.request('PUT', `${acct}/vmboxes/${box}/messages`, {
          token: t.token,
          headers: { 'Content-Type': mp.contentType },
          raw: mp.body,
        });
      }
      const listMsgVia = await load(
        baseUrl,
        { method: 'GET', path: `${acct}/vmboxes/${box}/messages`, headers: auth },
        { connections: READS },
      );
      const listMsgFloor = await measure(
        () =>
          pg.query(
            `SELECT doc FROM message.messages WHERE tenant_id = $1 AND vmbox_id = $2 AND folder <> 'deleted'
              ORDER BY ts DESC, id DESC LIMIT 51`,
            [t.accountId, box],
          ),
        { concurrency: READS },
      );
      figures.push(
        figure(
          'list_messages_first_page',
          'HTTP → gateway → NATS → message-service → PostgreSQL',
          listMsgVia,
          'the keyset page query (51 rows)',
          listMsgFloor,
          { messages_in_box: Math.max(deposited, 51) },
        ),
      );

      // --- raw GET: one message's audio, streamed from the object store
      const [{ id: messageId }] = (
        await pg.query('SELECT id FROM message.messages WHERE tenant_id = $1 AND vmbox_id = $2 LIMIT 1', [
          t.accountId,
          box,
        ])
      ).rows;
      const rawVia = await load(
        baseUrl,
        { method: 'GET', path: `${acct}/vmboxes/${box}/messages/${messageId}/raw`, headers: auth },
        { connections: READS },
      );
      const [floorObject] = floorObjects;
      const rawFloor = await measure(
        async () => {
          const stream = await s3.client.getObject(s3.bucket, floorObject);
          for await (const chunk of stream) void chunk;
        },
        { concurrency: READS },
      );
      figures.push(
        figure(
          'raw_get_30s_wav',
          'HTTP → gateway → NATS → message-service (→ media-storage for a URL) → object store, streamed',
          rawVia,
          'object GET of a WAV of the same size',
          rawFloor,
        ),
      );
      await s3.client.removeObjects(s3.bucket, floorObjects);

      // --- scaling: GET account with 1+1 and with 2 gateway + 2 mailbox-service replicas
      const oneOne = await load(baseUrl, getAccount, { connections: READS });
      const extra = await ctx.startReplicas(['api-gateway', 'mailbox-service']);
      try {
        const urls = [baseUrl, ...extra.filter((r) => r.baseUrl).map((r) => r.baseUrl)];
        await load(urls, getAccount, { connections: READS, seconds: 1, warmupSeconds: 0 }); // warm the replicas
        const twoTwo = await load(urls, getAccount, { connections: READS });
        const scaleFloor = await measure(
          () =>
            pg.query('SELECT * FROM mailbox.accounts WHERE id = $1 AND deleted_at IS NULL', [t.accountId]),
          { concurrency: READS },
        );
        figures.push({
          figure: 'get_account_scaling',
          via: 'connections split evenly between the gateway replicas; mailbox-service replicas share a NATS queue group',
          replicas_1_1: oneOne,
          replicas_2_2: twoTwo,
          scale: Math.round((twoTwo.rps / oneOne.rps) * 100) / 100,
          floor: { what: 'one primary-key SELECT of the account, pool of 10', ...scaleFloor },
          ratio_rps_1_1: Math.round((oneOne.rps / scaleFloor.rps) * 100) / 100,
          ratio_rps_2_2: Math.round((twoTwo.rps / scaleFloor.rps) * 100) / 100,
          note: 'every process shares the same cores: on a 2-core machine a second replica adds contention, not capacity',
        });
      } finally {
        await Promise.all(extra.map((r) => r.stop()));
      }
    }
    // a clean-up only (the next run drops it first): a deadlock with the bare worker still stopping must
    // not throw away the figures measured
    await pg
      .query('DROP SCHEMA IF EXISTS bench_floor CASCADE')
      .catch((e) => ctx.log(`bench_floor left for the next run: ${e.message}`));
    return figures.filter(Boolean);
  },
};
