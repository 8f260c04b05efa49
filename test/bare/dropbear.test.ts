// A bare Dropbear host (no SFTP at all), root logs in with a key (test/bare/helpers/scenario.ts says what is checked).
import { runToken } from '../kernel/helpers/cleanup';
import { bareScenario } from './helpers/scenario';

bareScenario('dropbear', runToken('bdb'));
