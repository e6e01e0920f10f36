#!/bin/bash
# Healthy once the broker's client listener accepts connections (the image has no Kafka CLI tools;
# clients retry while the broker finishes starting, and the services wait for their topics).
exec 3<>/dev/tcp/127.0.0.1/9092
