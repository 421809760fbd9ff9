import { unit } from '../../tooling/jest/jest.base.js';

export default unit;
