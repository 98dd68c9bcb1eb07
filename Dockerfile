# One image for every ApplyTrack process. The default command is the web process (as in the
# Procfile); the worker and scheduler override it:
#   docker run IMAGE                                          # web: gunicorn on $PORT (8080)
#   docker run IMAGE with-health-port applytrack worker       # worker (health checks on $PORT)
#   docker run IMAGE with-health-port applytrack scheduler    # scheduler
#   docker run IMAGE applytrack db upgrade                    # migrations (a Cloud Run job)

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY applytrack ./applytrack
COPY storage ./storage
COPY gmail ./gmail
COPY messaging ./messaging
COPY classifier ./classifier
COPY processors ./processors
COPY receiver ./receiver
COPY sandbox ./sandbox
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8080
COPY --from=build /wheels /wheels
COPY --from=build /src/constraints.txt /wheels/constraints.txt
RUN pip install -c /wheels/constraints.txt /wheels/*.whl && rm -rf /wheels
COPY deploy/with_health_port.py /usr/local/bin/with-health-port
RUN chmod 0755 /usr/local/bin/with-health-port \
    && groupadd --system --gid 10001 applytrack \
    && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin applytrack
USER 10001:10001
WORKDIR /home/applytrack
EXPOSE 8080
# No --bind: gunicorn binds 0.0.0.0:$PORT when PORT is set (Cloud Run sets it; 8080 above).
CMD ["gunicorn", "--workers=2", "--threads=8", "--graceful-timeout=30", \
     "applytrack.wsgi:create_wsgi_app()"]
