// A bare OpenSSH host without SFTP, root logs in with a key (test/bare/helpers/scenario.ts says what is checked).
import { runToken } from '../kernel/helpers/cleanup';
import { bareScenario } from './helpers/scenario';

bareScenario('openssh', runToken('bos'));
