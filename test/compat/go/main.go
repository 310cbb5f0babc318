// franz-go (github.com/twmb/franz-go, pinned in go.mod) against a broker, for
// test/compat/franz-go.test.ts. Modes (args: mode bootstrap topic group count prefix):
//
//	produce - idempotent producer (franz-go's default, acks=all), `count` records per codec
//	consume - group member (cooperative-sticky, franz-go's default), no auto-commit: reads `count`
//	          records, commits them synchronously, leaves; prints the group's committed offsets
//	admin   - kadm: create a topic (and a duplicate), list end offsets, list/describe groups, delete
//
// Prints one JSON object on stdout.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

type ack struct {
	Key       string `json:"key"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	mode, bootstrap, topic, group := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	count, _ := strconv.Atoi(os.Args[5])
	prefix := "go"
	if len(os.Args) > 6 {
		prefix = os.Args[6]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out any
	switch mode {
	case "produce":
		out = produce(ctx, bootstrap, topic, count, prefix)
	case "consume":
		out = consume(ctx, bootstrap, topic, group, count)
	case "admin":
		out = admin(ctx, bootstrap, topic, group)
	default:
		must(fmt.Errorf("unknown mode %s", mode))
	}
	b, err := json.Marshal(out)
	must(err)
	fmt.Println(string(b))
}

func produce(ctx context.Context, bootstrap, topic string, count int, prefix string) any {
	codecs := map[string]kgo.CompressionCodec{"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(), "lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression()}
	names := []string{"none", "gzip", "snappy", "lz4", "zstd"}
	acks := []ack{}
	for _, name := range names {
		cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ProducerBatchCompression(codecs[name]), kgo.DefaultProduceTopic(topic), kgo.AllowAutoTopicCreation())
		must(err)
		for i := 0; i < count; i++ {
			key := fmt.Sprintf("%s-%s-%d", prefix, name, i)
			r, err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: []byte("value of " + key)}).First()
			must(err)
			acks = append(acks, ack{key, r.Partition, r.Offset})
		}
		cl.Close()
	}
	return map[string]any{"acks": acks}
}

func consume(ctx context.Context, bootstrap, topic, group string, count int) any {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	must(err)
	type rec struct {
		Key       string `json:"key"`
		Value     string `json:"value"`
		Partition int32  `json:"partition"`
		Offset    int64  `json:"offset"`
	}
	recs := []rec{}
	for len(recs) < count {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			must(fmt.Errorf("only %d of %d records before the deadline", len(recs), count))
		}
		fs.EachError(func(t string, p int32, err error) { must(fmt.Errorf("fetch %s/%d: %w", t, p, err)) })
		fs.EachRecord(func(r *kgo.Record) { recs = append(recs, rec{string(r.Key), string(r.Value), r.Partition, r.Offset}) })
		must(cl.CommitUncommittedOffsets(ctx))
	}
	cl.LeaveGroup()
	cl.Close()
	adm, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	must(err)
	defer adm.Close()
	offs, err := kadm.NewClient(adm).FetchOffsets(ctx, group)
	must(err)
	committed := map[string]int64{}
	offs.Each(func(o kadm.OffsetResponse) { committed[strconv.Itoa(int(o.Partition))] = o.At })
	return map[string]any{"records": recs, "committed": committed}
}

func admin(ctx context.Context, bootstrap, topic, group string) any {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	must(err)
	defer cl.Close()
	adm := kadm.NewClient(cl)
	created := topic + "-admin"
	res, err := adm.CreateTopics(ctx, 2, 1, nil, created)
	must(err)
	must(res[created].Err)
	dup, err := adm.CreateTopics(ctx, 2, 1, nil, created)
	must(err)
	ends, err := adm.ListEndOffsets(ctx, topic)
	must(err)
	endMap := map[string]int64{}
	ends.Each(func(o kadm.ListedOffset) { endMap[strconv.Itoa(int(o.Partition))] = o.Offset })
	listed, err := adm.ListGroups(ctx)
	must(err)
	groups := listed.Groups()
	sort.Strings(groups)
	described, err := adm.DescribeGroups(ctx, group)
	must(err)
	del, err := adm.DeleteTopics(ctx, created)
	must(err)
	topics, err := adm.ListTopics(ctx)
	must(err)
	return map[string]any{
		"createdErr":   nil,
		"duplicateErr": errors.Is(dup[created].Err, kerr.TopicAlreadyExists),
		"ends":         endMap,
		"groups":       groups,
		"groupState":   described[group].State,
		"deleteErr":    del[created].Err != nil,
		"deletedGone":  !topics.Has(created),
	}
}
