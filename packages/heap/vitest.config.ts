import { frameKitProject } from '../../vitest.shared';

export default frameKitProject('heap');
