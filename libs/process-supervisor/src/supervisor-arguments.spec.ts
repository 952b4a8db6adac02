import { parseSupervisorArguments } from './supervisor-arguments';

describe('parseSupervisorArguments', () => {
  it('gives each process the arguments up to the next --process, and a log file named after it', () => {
    const parsed = parseSupervisorArguments([
      '--log-dir',
      '/logs',
      '--pid-dir',
      '/run',
      '--process',
      'intake',
      'env',
      'A=1',
      'node',
      'main.js',
      '--flag',
      '--process',
      'stand-in-api',
      'node',
      'stand-in.js',
    ]);
    expect(parsed).toEqual({
      logDir: '/logs',
      pidDir: '/run',
      processes: [
        {
          name: 'intake',
          command: 'env',
          args: ['A=1', 'node', 'main.js', '--flag'],
          logFile: '/logs/intake.log',
        },
        { name: 'stand-in-api', command: 'node', args: ['stand-in.js'], logFile: '/logs/stand-in-api.log' },
      ],
    });
  });

  it.each([
    [['--pid-dir', '/run', '--process', 'a', 'node'], /--log-dir is missing/],
    [['--log-dir', '/logs', '--pid-dir', '/run'], /no --process given/],
    [['--log-dir', '/logs', '--pid-dir', '/run', '--process', 'a'], /--process a has no command/],
    [['--log-dir', '/logs', '--pid-dir', '/run', '--process', '../a', 'node'], /--process needs a name/],
    [
      ['--log-dir', '/logs', '--pid-dir', '/run', '--process', 'a', 'x', '--process', 'a', 'y'],
      /given twice/,
    ],
    [['--verbose'], /unexpected argument --verbose/],
  ])('refuses %j with a message that says what is wrong', (argv, message) => {
    expect(() => parseSupervisorArguments(argv)).toThrow(message);
  });
});
