import { runBacklogSuite } from '@polybus/conformance';
import { testTransport, unique } from './helpers';

// High watermark less the committed offsets.
runBacklogSuite({ name: 'kafka', createTransport: testTransport, topic: () => unique('backlog') });
