// Issue 11's figures: the request hot path beside its floor. Every floor runs on `ctx.pg` (a pool of 10,
// as each service has) at the concurrency of the measured call, in this run, and does only the work
// the call cannot avoid. HTTP load comes from autocannon; its own ceiling is measured first.
'use strict';
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { wavFile, multipartMixed } = require('./wav');

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
    const putUserFloor = await measure(
      inTransaction(pg, async (c, i) => {
        const id = randomBytes(16).toString('hex');
        const username = `floor-${randomBytes(6).toString('hex')}`;
        const doc = { first_name: `Floor${i}`, last_name: 'User', username, priv_level: 'user' };
        await c.query(
          `INSERT INTO bench_floor.mailbox_users (id, account_id, username_lower, priv_level, doc, version) VALUES ($1, $2, $3, 'user', $4, 1)`,
          [id, t.accountId, username, JSON.stringify(doc)],
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
        () => pg.query('SELECT * FROM mailbox.accounts WHERE id = $1 AND deleted_at IS NULL', [t.accountId]),
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
    await pg.query('DROP SCHEMA IF EXISTS bench_floor CASCADE');
    return figures;
  },
};
