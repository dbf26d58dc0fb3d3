import { frameKitBuild } from '../../tsup.shared';

export default frameKitBuild();
