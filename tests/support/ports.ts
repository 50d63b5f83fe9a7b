// A free port and waiting for a server to answer: the benches' (bench/lib/ports.ts), as the tests
// reuse the benches' workloads (benchmarks import nothing from tests/).
export { freePort, waitForHttp } from '../../bench/lib/ports.js';
