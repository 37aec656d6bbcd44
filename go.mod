module github.com/habeas-kh/habeas

go 1.26.8
