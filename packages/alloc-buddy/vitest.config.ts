import { frameKitProject } from '../../vitest.shared';

export default frameKitProject('alloc-buddy');
