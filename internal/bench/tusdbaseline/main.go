// Command tusdbaseline is the peer the ingest benchmark measures Shilu
// against: a plain tusd filestore server that makes each upload durable
// (fsync) when it completes and does nothing else — no hashing, no
// catalogue, no authentication. It is the fastest an honest durable tus
// server can be on this machine.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
)

// syncStore is tusd's filestore with an fsync at the end of each upload.
type syncStore struct{ filestore.FileStore }

type syncUpload struct {
	handler.Upload
	path string
}

func (s syncStore) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	u, err := s.FileStore.NewUpload(ctx, info)
	if err != nil {
		return nil, err
	}
	fi, _ := u.GetInfo(ctx)
	return syncUpload{u, fi.Storage[filestore.StorageKeyPath]}, nil
}

func (s syncStore) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	u, err := s.FileStore.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	fi, _ := u.GetInfo(ctx)
	return syncUpload{u, fi.Storage[filestore.StorageKeyPath]}, nil
}

func (u syncUpload) FinishUpload(ctx context.Context) error {
	f, err := os.OpenFile(u.path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tusdbaseline DIR ADDR")
		os.Exit(2)
	}
	dir, addr := os.Args[1], os.Args[2]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	composer := handler.NewStoreComposer()
	composer.UseCore(syncStore{filestore.New(dir)})
	memorylocker.New().UseIn(composer)
	h, err := handler.NewHandler(handler.Config{StoreComposer: composer, BasePath: "/api/v1/uploads/"})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		panic(err)
	}
	fmt.Printf("tusd serving http://%s\n", ln.Addr())
	srv := &http.Server{Handler: http.StripPrefix("/api/v1/uploads/", h)}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	if err := srv.Close(); err != nil {
		panic(err)
	}
}
