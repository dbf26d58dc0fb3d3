import { frameKitBuild } from '../../tsup.shared';

export default frameKitBuild({
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'testing/vitest': 'src/testing/vitest.ts',
});
