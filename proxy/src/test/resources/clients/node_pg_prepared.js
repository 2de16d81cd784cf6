// node-postgres through pgmux with named queries ({name, text, values}): the first use of a name
// sends Parse, later uses only Bind/Execute, on whatever server the client holds then.
//
// Usage: node node_pg_prepared.js HOST PORT USER DATABASE CONNECTIONS   (NODE_PATH must reach pg)
// Prints "ok ..." and exits 0; prints the failure and exits 1.
'use strict';
const { Client } = require('pg');

const [host, port, user, database, connections] = process.argv.slice(2);
const ROUNDS = 5;

function check(condition, what) {
  if (!condition) {
    throw new Error('wrong result: ' + what);
  }
}

async function runClient(client) {
  const c = new Client({ host, port: Number(port), user, database, connectionTimeoutMillis: 60000 });
  await c.connect();
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const add = await c.query({ name: 'add', text: 'SELECT $1::int + $2::int AS v', values: [client, r] });
      check(add.rows[0].v === client + r, `add ${client} ${r}: ${JSON.stringify(add.rows)}`);
      const shout = await c.query({ name: 'shout', text: "SELECT $1::text || '!' AS v", values: ['c' + client] });
      check(shout.rows[0].v === 'c' + client + '!', `shout ${JSON.stringify(shout.rows)}`);
      await c.query('BEGIN');
      await c.query({ name: 'log', text: 'INSERT INTO prep_node_log VALUES ($1, $2)', values: [client, r] });
      const count = await c.query({ name: 'count', text: 'SELECT count(*)::int AS n FROM prep_node_log WHERE client = $1', values: [client] });
      check(count.rows[0].n === r + 1, `count ${client} ${r}: ${JSON.stringify(count.rows)}`);
      await c.query('COMMIT');
    }
    return ROUNDS;
  } finally {
    await c.end();
  }
}

const timer = setTimeout(() => {
  console.log('timed out after 150s: clients are stuck');
  process.exit(2);
}, 150000);

Promise.all(Array.from({ length: Number(connections) }, (_, i) => runClient(i)))
  .then((done) => {
    clearTimeout(timer);
    console.log(`ok ${done.reduce((a, b) => a + b, 0)} rounds on ${connections} connections`);
  })
  .catch((error) => {
    console.log('failed: ' + (error && error.stack ? error.stack : error));
    process.exit(1);
  });
