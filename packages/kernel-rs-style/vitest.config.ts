import { frameKitProject } from '../../vitest.shared';

export default frameKitProject('kernel-rs-style');
