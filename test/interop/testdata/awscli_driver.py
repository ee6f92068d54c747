"""Run AWS CLI v1 commands for test/interop, many in one Python process.

Each `aws` run costs about 0.65 s of CPU before it sends a request,
nearly all of it Python importing awscli and botocore; test/interop runs
the CLI hundreds of times. This driver imports them once and then runs
each command as the `aws` script does (awscli.clidriver.main() with
sys.argv set), with the command's environment, working directory, stdout
and stderr of its own, so that every command gets a new CLI driver and
botocore session, as a new process would.

Protocol: one JSON object a line on stdin, {"argv": [...], "env": {...},
"dir": "..."}; for each, one JSON line on file descriptor 3:
{"code": N, "stdout": BASE64, "stderr": BASE64}.
"""

import base64
import io
import json
import logging
import os
import sys
import traceback

import awscli
import awscli.clidriver

reply = os.fdopen(3, "w", encoding="utf-8")
start_dir = os.getcwd()
real_stdout, real_stderr = sys.stdout, sys.stderr


def reset_logging():
    # --debug adds handlers writing to the command's stderr; the next
    # command must not inherit them.
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    for lg in loggers:
        for h in list(lg.handlers):
            lg.removeHandler(h)


# awscli's __init__ appends its own data directory to AWS_DATA_PATH in
# os.environ when it is imported; a command's environment gets the same.
awscli_data = os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), "data")


def run(req):
    os.environ.clear()
    os.environ.update(req["env"])
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    os.environ["AWS_DATA_PATH"] = os.pathsep.join(paths + [awscli_data])
    os.chdir(req.get("dir") or start_dir)
    out, err = io.BytesIO(), io.BytesIO()
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", errors="surrogateescape", newline="\n", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", newline="\n", write_through=True)
    sys.argv = ["aws"] + req["argv"]
    try:
        code = awscli.clidriver.main()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 255
    finally:
        # Detached, the wrappers leave their buffers open when they go.
        for w in (sys.stdout, sys.stderr):
            w.flush()
            w.detach()
        sys.stdout, sys.stderr = real_stdout, real_stderr
        reset_logging()
    return {"code": code, "stdout": base64.b64encode(out.getvalue()).decode(),
            "stderr": base64.b64encode(err.getvalue()).decode()}


for line in sys.stdin:
    reply.write(json.dumps(run(json.loads(line))) + "\n")
    reply.flush()
