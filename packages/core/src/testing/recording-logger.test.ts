import { recordingLogger } from './recording-logger';

describe('recordingLogger', () => {
  it('keeps warnings with their fields and drops the other levels', () => {
    const logger = recordingLogger();
    logger.debug('d');
    logger.info('i');
    logger.error('e');
    logger.warn('w', { n: 1 });
    expect(logger.warnings).toEqual([{ message: 'w', fields: { n: 1 } }]);
  });
});
