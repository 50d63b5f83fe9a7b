// The snippet lives with the benchmark that uses it as its baseline, so bench/ needs nothing from tests/.
export { KLAVIYO_OBJECT_SNIPPET } from '../../bench/lib/klaviyo-snippet.js';
