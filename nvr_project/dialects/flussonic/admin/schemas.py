"""OpenAPI item schemas of the Admin API (catalog §6), registered as components."""

from ..openapi import BOOL, FREE, INT, NUMBER, TEXT, UTC_MS, array, component, obj

PARTITION = obj(path=TEXT, device=TEXT, total_mb=INT, usage=INT, io_util=INT)
STREAMER_STATS = obj(
    hostname=TEXT,
    server_version=TEXT,
    streamer_status=TEXT,
    uptime=INT,
    started_at=INT,
    now=UTC_MS,
    cpu_usage=INT,
    memory_usage=INT,
    input_kbit=INT,
    output_kbit=INT,
    total_clients=INT,
    total_streams=INT,
    online_streams=INT,
    partitions=array(PARTITION),
    text_alerts=FREE,
    error=TEXT,
)
STREAMER = component(
    "Streamer",
    obj(
        "hostname",
        hostname=TEXT,
        role={"type": "string", "enum": ["streamer", "inference", "identification"]},
        stats=STREAMER_STATS,
        channel_limit=INT,
        cluster_key=TEXT,
        dvrs=array(obj("name", "root", name=TEXT, root=TEXT)),
        config=FREE,
        total_bandwidth=INT,
        labels=FREE,
        api_url=TEXT,
    ),
)
STREAMER_CHANGE = component(
    "StreamerLayoutChange",
    obj("hostname", hostname=TEXT, role=TEXT, before=INT, after=INT, delta=INT),
)
DECISION = obj(role=TEXT, hostname=TEXT, node_decision=BOOL, reasons=array(TEXT))
STREAM_LAYOUT = component(
    "StreamLayout",
    obj(
        ingest=TEXT,
        change_reason=TEXT,
        node_layout_decisions=array(DECISION),
        created_at=UTC_MS,
        originator={"type": "string", "enum": ["layouter", "other"]},
    ),
)
STREAM_CHANGE = component(
    "StreamLayoutChange",
    obj("name", name=TEXT, ingest=TEXT, change_reason=TEXT, originator=TEXT, created_at=UTC_MS),
)
HEALTH_TOTALS = obj(
    operational=INT, degradated=INT, partial_outage=INT, outage=INT, disabled=INT, total=INT, status=TEXT
)
USAGE = obj(usage=NUMBER, status=TEXT)
CLUSTER_HEALTH = component(
    "ClusterHealth",
    obj(
        version=INT,
        server_id=TEXT,
        collected_at=UTC_MS,
        stream_metrics_total=HEALTH_TOTALS,
        agent_metrics_total=HEALTH_TOTALS,
        streamer_metrics_total=HEALTH_TOTALS,
        streamer_bitrate_metrics_total=obj(input_kbit=INT, output_kbit=INT),
        streamer_metrics=array(
            obj(
                "hostname",
                hostname=TEXT,
                uptime=INT,
                status=TEXT,
                config=obj(status=TEXT),
                stream_metrics=HEALTH_TOTALS,
                agent_metrics=HEALTH_TOTALS,
                cpu=USAGE,
                memory=USAGE,
                storage=USAGE,
                network=obj(in_kbit=USAGE, out_kbit=USAGE),
            )
        ),
    ),
)
EVENT = component(
    "Event",
    obj(
        "event",
        event=TEXT,
        path=TEXT,
        qs=TEXT,
        created_at=TEXT,
        ip=TEXT,
        user_agent=TEXT,
        originator=TEXT,
        operation_id=TEXT,
        payload=TEXT,
        status=INT,
        duration=INT,
        request_id=TEXT,
        utc_ms=UTC_MS,
        event_id=INT,
        trace_id=TEXT,
        server=TEXT,
    ),
)
AGENT = component(
    "Agent",
    obj(
        "id",
        id=TEXT,
        key=TEXT,
        serial=TEXT,
        model=TEXT,
        stats=FREE,
        streams=array(obj(name=TEXT, title=TEXT, comment=TEXT, organization=obj(id=INT, title=TEXT))),
    ),
)
MAIL = obj(
    sending_method={"type": "string", "enum": ["SMTP", "SendGrid"]},
    sender=obj(title=TEXT, email=TEXT),
    host=TEXT,
    port=INT,
    login=TEXT,
    password=TEXT,
    security={"type": "string", "enum": ["none", "tls", "starttls"]},
    api_key=TEXT,
)
DOMAIN_CONFIG = component(
    "DomainConfig",
    obj(
        mail=MAIL,
        appearance=obj(
            title=TEXT,
            logo=TEXT,
            logo_auth=TEXT,
            favicon=TEXT,
            colors=obj(primary=TEXT, secondary=TEXT, background=TEXT),
        ),
    ),
)
SYSTEM_CONFIG = component(
    "SystemConfig",
    obj(
        "database",
        license_key=TEXT,
        database=obj("url", url=TEXT),
        watcher_brute_force_timeout=INT,
        loglevel={"type": "string", "enum": ["debug", "info", "warning", "error", "critical"]},
        api_url=TEXT,
        listeners=obj(http=array(obj("port", port=INT, address=TEXT))),
    ),
)


def changes_page(item: dict) -> dict:
    """The envelope of a layout preview (a computed collection, `changes`)."""
    return obj(
        "estimated_count",
        "timing",
        "changes",
        estimated_count=INT,
        next=TEXT,
        prev=TEXT,
        timing=FREE,
        changes=array(item),
    )
