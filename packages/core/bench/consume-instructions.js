// One consumer for bench/instructions.sh, in plain JavaScript so valgrind runs Node without a
// TypeScript loader; it loads the built core. Modes (each first handles 20 000 warm-up messages):
//   node consume-instructions.js bare <n>     the handler over encoded payloads in a loop (JSON decode, await)
//   node consume-instructions.js polybus <n>  bind + at-least-once on the memory transport, concurrency 64
//   node consume-instructions.js untimed <n>  the same with timeoutMs: false (what the default timeout costs)
// The payloads are published before either loop; publishing is the same in both counts.
const { createBus, jsonCodec, silentLogger } = require('../dist/index.js');

const [mode, count] = [process.argv[2], Number(process.argv[3])];
const WARM = 20_000;
let sink = 0;
const handler = async (message) => void (sink += message.body.n);

async function bare(n) {
  const payloads = Array.from({ length: n }, (_, i) => jsonCodec.encode({ n: i }).payload);
  for (let i = 0; i < n; i++) {
    const body = JSON.parse(payloads[i].toString());
    await handler({ id: '', topic: 'bench', headers: {}, body, timestamp: 0 });
  }
}

async function polybus(n, namespace) {
  const url = `memory://${namespace}`;
  const publisher = createBus({ url, logger: silentLogger });
  for (let i = 0; i < n; i += 1000)
    await publisher.publishBatch(
      Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ topic: 'bench', body: { n: i + k } })),
    );
  if (n > 0) {
    const bus = createBus({ url, logger: silentLogger });
    let processed = 0;
    let done;
    const finished = new Promise((resolve) => (done = resolve));
    bus.bind(
      'bench',
      async (m, ctx) => {
        await handler(m, ctx);
        if (++processed === n) done();
      },
      {
        group: 'g',
        guarantee: 'at-least-once',
        concurrency: 64,
        ...(mode === 'untimed' ? { timeoutMs: false } : {}),
      },
    );
    await bus.start();
    await finished;
    await bus.stop();
  }
  await publisher.stop();
}

void (async () => {
  const consume = mode === 'bare' ? bare : polybus;
  await consume(WARM, 'warm');
  await consume(count, 'measured');
})();
