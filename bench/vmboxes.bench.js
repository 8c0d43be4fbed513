// Issue 4's scale figures (create and list beside their floors are in hotpath.bench.js): the list page at
// 100 and at 10,000 boxes in one account (keyset pagination: the page should cost the same).
'use strict';
const { testingLib } = require('../scripts/lib/workspace');

const ratio = (a, b) => Math.round((a / b) * 10) / 10;

/** Kazoo's defaults, as the service stores them in `doc` (libs/testing's, read when called: built first). */
const defaults = () => testingLib().KAZOO_VMBOX_DEFAULTS;

/** `n` boxes in the shape the service writes, half of them with a message count, in one statement. */
async function seedBoxes(pg, accountId, n) {
  await pg.query(
    `INSERT INTO mailbox.vmboxes (id, account_id, mailbox, type, members, doc, version)
     SELECT md5($1 || g::text), $1, (100000 + g)::text, 'personal', '{}',
            $2::jsonb || jsonb_build_object('name', 'Seeded ' || g, 'mailbox', (100000 + g)::text), 1
       FROM generate_series(1, $3::int) g`,
    [accountId, JSON.stringify(defaults()), n],
  );
  await pg.query(
    `INSERT INTO mailbox.vmbox_message_counts (vmbox_id, account_id, new_count, saved_count, last_event_at, last_event_id)
     SELECT id, account_id, 3, 1, now(), 'seed' FROM mailbox.vmboxes WHERE account_id = $1 AND seq % 2 = 0`,
    [accountId],
  );
  await pg.query('ANALYZE mailbox.vmboxes');
  await pg.query('ANALYZE mailbox.vmbox_message_counts');
}

/** The database work of a list page: the keyset page and its counts. */
async function floorListPage(pg, accountId, startSeq) {
  const page = await pg.query(
    `SELECT * FROM mailbox.vmboxes b WHERE b.account_id = $1 ${startSeq ? 'AND (b.seq, b.id) <= ($2, $3)' : ''}
      ORDER BY b.seq DESC, b.id DESC LIMIT 51`,
    startSeq ? [accountId, startSeq.seq, startSeq.id] : [accountId],
  );
  await pg.query(
    `SELECT vmbox_id, new_count + saved_count AS total FROM mailbox.vmbox_message_counts
      WHERE account_id = $1 AND vmbox_id = ANY($2::char(32)[])`,
    [accountId, page.rows.slice(0, 50).map((r) => r.id)],
  );
}

module.exports = {
  name: 'vmboxes',
  async run(ctx) {
    const { request, measure, pg } = ctx;
    const figures = [];

    // --- list: GET .../vmboxes (a page of 50) at 100 and at 10,000 boxes in one account
    const small = await ctx.createTenant();
    const large = await ctx.createTenant();
    await seedBoxes(pg, small.accountId, 100);
    await seedBoxes(pg, large.accountId, 10000);
    const listPage =
      (tenant, query = '') =>
      async () => {
        const r = await request('GET', `/v2/accounts/${tenant.accountId}/vmboxes?page_size=50${query}`, {
          token: tenant.token,
        });
        if (r.status !== 200 || r.body.data.length !== 50)
          throw new Error(`GET vmboxes answered ${r.status}`);
      };
    const load = { requests: 300, concurrency: 8 };
    const listVia = await measure(listPage(small), load);
    const listFloor = await measure(() => floorListPage(pg, small.accountId), load);
    figures.push({
      figure: 'vmbox_list_page',
      via: 'HTTP gateway → NATS → mailbox-service → PostgreSQL, 50 of 100 boxes',
      ...listVia,
      floor: {
        what: 'keyset page SELECT, message counts SELECT, pool of 10',
        ...listFloor,
      },
      ratio_p50: ratio(listVia.p50_ms, listFloor.p50_ms),
    });

    // the same first page, and a page from the middle (start_key), with 10,000 boxes in the account
    const at10k = await measure(listPage(large), load);
    const [mid] = (
      await pg.query(
        `SELECT seq::text AS seq, id FROM mailbox.vmboxes WHERE account_id = $1 ORDER BY seq DESC, id DESC OFFSET 5000 LIMIT 1`,
        [large.accountId],
      )
    ).rows;
    // start_key as the service issues it: base64url of [seq, id] (libs/contracts encodeKey)
    const midKey = Buffer.from(JSON.stringify([mid.seq, mid.id])).toString('base64url');
    const at10kMiddle = await measure(listPage(large, `&start_key=${midKey}`), load);
    const floor10k = await measure(() => floorListPage(pg, large.accountId, mid), load);
    // the 100-box page again, before and after the 10,000 ones, so both sides share the machine's state
    const at100 = await measure(listPage(small), load);
    const p50at100 = Math.round(((listVia.p50_ms + at100.p50_ms) / 2) * 100) / 100;
    figures.push({
      figure: 'vmbox_list_p50_100_vs_10000',
      via: 'HTTP gateway, page_size=50',
      at_100: { p50_ms: p50at100, p99_ms: at100.p99_ms, rps: at100.rps },
      at_10000_first_page: { p50_ms: at10k.p50_ms, p99_ms: at10k.p99_ms, rps: at10k.rps },
      at_10000_page_from_the_middle: {
        p50_ms: at10kMiddle.p50_ms,
        p99_ms: at10kMiddle.p99_ms,
        rps: at10kMiddle.rps,
      },
      floor: { what: 'the middle page of 10,000 by the same statements on pooled pg', ...floor10k },
      goal: 'p50 at 10k within 1.5x of p50 at 100',
      ratio_p50: ratio(Math.max(at10k.p50_ms, at10kMiddle.p50_ms), p50at100),
      met: Math.max(at10k.p50_ms, at10kMiddle.p50_ms) <= 1.5 * p50at100,
    });
    return figures;
  },
};
