import { frameKitProject } from '../../vitest.shared';

export default frameKitProject('playground');
