import { frameKitBuild } from '../../tsup.shared';

export default frameKitBuild({
  index: 'src/index.ts',
  plugin: 'src/for-plugins.ts',
  'testing/index': 'src/testing/index.ts',
  'testing/vitest': 'src/testing/vitest.ts',
});
