import { packageBuild } from '../../tsup.shared.js';

// shims: the CJS build needs import.meta.url, from which the Vertex clients are required lazily.
export default packageBuild({ shims: true });
